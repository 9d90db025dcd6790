import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, which is also the chart's directory: the nearest folder up with Chart.yaml. */
function findChartRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'Chart.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Chart.yaml above ${start}`);
  }
}

export const chartRoot = findChartRoot(dirname(fileURLToPath(import.meta.url)));
