import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartLock, lockDigest } from '../../scripts/release/chart-lock.mjs';
import { helm, ownChartDir, subchartsDir } from '../support/chart.js';
import { repoRoot } from '../support/paths.js';
import { runOk } from '../support/process.js';

// Helm stores a release (the chart with all subcharts, gzipped) in one Secret of at most 1 MiB,
// and the three subcharts take about 600 KiB of it: our own part must stay small. About a
// quarter of it is the README and the LICENSE (Apache-2.0 asks for a copy with every copy), about
// 1.5 KiB values.schema.json's Kafka topic configs, and about 1.2 KiB its rules for names and for
// the hook Pods' structured values (docs/security.md#values). 44 KiB since the services' role,
// Kafka's SASL and ACL wiring and the other security fixes of 0.2.0 (36 KiB before), 46 KiB since
// the services' namespaces and the NetworkPolicy's peers, 49 KiB since TLS to an existing
// PostgreSQL and Kafka (about 1.3 KiB): still a small share of the headroom the subcharts leave.
const ownPartBudgetBytes = 49 * 1024;

describe('the packaged chart', () => {
  it('holds only what the cluster needs, and stays within its size budget', async () => {
    const out = await mkdtemp(join(tmpdir(), 'learnflow-package-'));
    const result = await helm(['package', await ownChartDir(), '--destination', out]);
    expect(result.code, result.stderr).toBe(0);
    const archive = join(out, 'learnflow-0.2.0.tgz');
    const files = (await runOk('tar', ['-tzf', archive])).stdout
      .trim()
      .split('\n')
      .map((file) => file.replace(/^learnflow\//, ''))
      .sort();
    for (const file of files) {
      const chartFiles = /^(Chart\.yaml|Chart\.lock|README\.md|LICENSE|values\.yaml|values\.schema\.json)$/;
      const folders = /^(templates\/[\w/.-]+\.(yaml|tpl|txt)|migrations\/[\w.-]+\.sql|seeds\/[\w.-]+\.json)$/;
      expect(chartFiles.test(file) || folders.test(file), file).toBe(true);
    }
    expect(files).toEqual(expect.arrayContaining(['templates/reconcile/job.yaml', 'README.md', 'LICENSE', 'Chart.lock']));
    const { size } = await stat(archive);
    console.info(`packaged chart without subcharts: ${files.length} files, ${size} bytes gzipped (budget ${ownPartBudgetBytes})`);
    expect(size).toBeLessThan(ownPartBudgetBytes);
  });
});

describe('the chart as helm show and Artifact Hub present it', () => {
  it('shows the README, and Chart.yaml names its home, sources, icon, maintainers, license and links', async () => {
    const chart = await ownChartDir();
    const readme = await helm(['show', 'readme', chart]);
    expect(readme.stdout.trim()).toBe((await readFile(join(repoRoot, 'README.md'), 'utf8')).trim());
    const metadata = parse((await helm(['show', 'chart', chart])).stdout) as Record<string, unknown> & {
      annotations: Record<string, string>;
      maintainers: { email?: string }[];
    };
    expect(metadata).toMatchObject({
      home: expect.stringMatching(/^https:/),
      sources: [expect.stringMatching(/^https:/)],
      icon: expect.stringMatching(/^https:.*\.svg$/),
    });
    expect(metadata.maintainers.every((maintainer) => maintainer.email)).toBe(true);
    expect(metadata.annotations['artifacthub.io/license']).toBe(JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).license);
    for (const key of ['artifacthub.io/links', 'artifacthub.io/changes', 'artifacthub.io/images'])
      expect(parse(metadata.annotations[key]!), key).toEqual(expect.any(Array));
  });

  it('commits Chart.lock as helm dependency update writes it', async () => {
    const lock = await readFile(join(repoRoot, 'Chart.lock'), 'utf8');
    expect(chartLock(await readFile(join(repoRoot, 'Chart.yaml'), 'utf8'), lock), 'run npm run chart:lock').toBe(lock);
  });

  it("computes the lock digest as Helm does: the Bitnami charts' own locks, written by Helm, agree", async () => {
    for (const name of ['kafka', 'postgresql']) {
      const dir = join(subchartsDir(), name);
      const chart = parse(await readFile(join(dir, 'Chart.yaml'), 'utf8')) as { dependencies: never[] };
      const lock = parse(await readFile(join(dir, 'Chart.lock'), 'utf8')) as { dependencies: never[]; digest: string };
      expect(lockDigest(chart.dependencies, lock.dependencies), name).toBe(lock.digest);
    }
  });
});
