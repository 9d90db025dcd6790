import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../support/paths.js';
import { run } from '../support/process.js';

const script = join(repoRoot, 'scripts/release/release-version.sh');

describe('the release version', () => {
  it('is the one version Chart.yaml, its appVersion (the hooks image tag) and package.json all carry', async () => {
    const chart = parse(await readFile(join(repoRoot, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    const result = await run('bash', [script, `v${chart.version}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(chart.appVersion);
  });

  it('refuses a tag the files do not carry, naming each one', async () => {
    const result = await run('bash', [script, 'v99.0.0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`^release-version: tag v99\.0\.0, but Chart\.yaml version is [\d.]+, ` +
          String.raw`Chart\.yaml appVersion \(the hooks image tag\) is [\d.]+, package\.json version is [\d.]+; set them all to 99\.0\.0$`,
        'm',
      ),
    );
  });

  it('tags the image and the chart the pipeline publishes, the chart only after its image', async () => {
    const workflow = parse(await readFile(join(repoRoot, '.github/workflows/release.yml'), 'utf8')) as {
      jobs: Record<string, { needs?: string | string[]; steps: { uses?: string; run?: string; with?: Record<string, string> }[] }>;
    };
    const version = '${{ needs.version.outputs.version }}';
    const build = workflow.jobs['image']!.steps.find((step) => step.uses?.startsWith('docker/build-push-action@'))!;
    expect(build.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', tags: `\${{ env.IMAGE }}:${version}` });
    expect(workflow.jobs['chart']!.needs).toEqual(['version', 'image']);
    const commands = workflow.jobs['chart']!.steps.map((step) => step.run ?? '').join('\n');
    expect(commands).toContain(`helm package . --version "${version}" --app-version "${version}"`);
    expect(commands).toContain(`helm push "learnflow-${version}.tgz"`);
    for (const step of Object.values(workflow.jobs).flatMap((job) => job.steps)) if (step.uses) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
  });
});
