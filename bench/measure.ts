// What the benchmarks share: wall-clock timing, medians, and a side-by-side table.

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface Row {
  label: string;
  /** Seconds in each column. */
  values: readonly [number, number];
}

/** Prints rows of seconds under two column headings, then the last row over the first. */
export function printComparison(
  title: string,
  columns: readonly [string, string],
  rows: readonly [Row, Row, ...Row[]],
  ratioLabel: string,
): void {
  const seconds = (value: number) => `${value.toFixed(2)} s`;
  const line = (label: string, [a, b]: readonly [string, string]) => `${label.padEnd(60)}${a.padStart(9)}${b.padStart(12)}`;
  console.log(`\n${title}`);
  console.log(line('', columns));
  for (const row of rows) console.log(line(row.label, [seconds(row.values[0]), seconds(row.values[1])]));
  const last = rows[rows.length - 1]!;
  const ratio = (index: 0 | 1) => `${(last.values[index] / rows[0].values[index]).toFixed(1)}x`;
  console.log(line(ratioLabel, [ratio(0), ratio(1)]));
}
