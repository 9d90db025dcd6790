import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { chartValues } from '../support/chart.js';
import { chartCatalogue, writeCatalogue } from '../support/catalogue.js';
import { repoRoot } from '../support/paths.js';
import { run, runOk } from '../support/process.js';

// No image can be built here (no Docker), so this assembles what the Dockerfile's last stage
// holds, the compiled program with production dependencies only, and runs it.
describe('the hooks image contents', () => {
  it('runs with production dependencies only', { timeout: 180_000 }, async () => {
    const app = await mkdtemp(join(tmpdir(), 'learnflow-image-'));
    for (const file of ['package.json', 'package-lock.json']) await cp(join(repoRoot, file), join(app, file));
    await runOk('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });
    await cp(join(repoRoot, 'dist'), join(app, 'dist'), { recursive: true });
    const size = (await runOk('du', ['-sk', join(app, 'node_modules')])).stdout.split('\t')[0];
    console.info(`hooks image payload: node_modules ${size} KiB with production dependencies only`);

    const file = await writeCatalogue(await chartCatalogue());
    const result = await run(process.execPath, [
      join(app, 'dist/hooks/cli.js'),
      'kafka-topics',
      '--dry-run',
      '--kafka-brokers',
      inject('kafkaBrokers').kraft,
      '--topics-file',
      file,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('runs as the non-root user the chart expects, with the entrypoint the chart calls', async () => {
    const dockerfile = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
    const { runAsUser, runAsGroup } = (await chartValues()).hooks.podSecurityContext;
    expect(dockerfile).toMatch(new RegExp(`^USER ${runAsUser}:${runAsGroup}$`, 'm'));
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/hooks\/cli\.js"\]$/m);
    expect(await readFile(join(repoRoot, 'templates/_pod.tpl'), 'utf8')).toContain('command: ["node", "/app/dist/hooks/cli.js"]');
  });
});
