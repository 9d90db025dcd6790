import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helm, ownChartDir } from '../support/chart.js';
import { runOk } from '../support/process.js';

// Helm stores a release (the chart with all subcharts, gzipped) in one Secret of at most 1 MiB,
// and the three subcharts take about 600 KiB of it: our own part must stay small.
const ownPartBudgetBytes = 24 * 1024;

describe('the packaged chart', () => {
  it('holds only what the cluster needs, and stays within its size budget', async () => {
    const out = await mkdtemp(join(tmpdir(), 'learnflow-package-'));
    const result = await helm(['package', await ownChartDir(), '--destination', out]);
    expect(result.code, result.stderr).toBe(0);
    const archive = join(out, 'learnflow-0.1.0.tgz');
    const files = (await runOk('tar', ['-tzf', archive])).stdout.trim().split('\n').map((file) => file.replace(/^learnflow\//, '')).sort();
    for (const file of files) {
      expect(file).toMatch(/^(Chart\.yaml|values\.yaml|values\.schema\.json|templates\/[\w/.-]+\.(yaml|tpl|txt)|migrations\/[\w.-]+\.sql|seeds\/[\w.-]+\.json)$/);
    }
    expect(files).toContain('templates/reconcile-job.yaml');
    const { size } = await stat(archive);
    console.info(`packaged chart without subcharts: ${files.length} files, ${size} bytes gzipped (budget ${ownPartBudgetBytes})`);
    expect(size).toBeLessThan(ownPartBudgetBytes);
  });
});
