import { withinBudget, type Timing } from './budgets.js';
import type { DownReport } from '../flows/down.js';
import type { ReleaseImage } from '../release/images.js';
import { formatDuration } from './progress.js';
import type { StatusReport } from '../flows/status.js';
import type { Check, VerifyReport } from '../flows/verify.js';

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Each phase's time against its budget (SC-001..SC-004). */
export function formatTimings(timings: readonly Timing[]): string {
  return table([
    ['phase', 'took', 'budget', ''],
    ...timings.map((timing) => [
      timing.name,
      formatDuration(timing.ms),
      timing.budgetSeconds === undefined ? '-' : `${formatDuration(timing.budgetSeconds * 1000)} (${timing.criterion})`,
      withinBudget(timing) ? '' : 'OVER BUDGET',
    ]),
  ]);
}

function formatChecks(component: string, checks: readonly Check[]): string[] {
  return checks.map((check) => `  ${check.ok ? 'ok  ' : 'FAIL'}  ${component.padEnd(10)} ${check.name}: ${check.detail}`);
}

export function formatVerify(report: VerifyReport): string {
  const failed = report.components.filter((component) => !component.ok).map((component) => component.component);
  return [
    `verification of release ${report.release}:`,
    ...report.components.flatMap((component) => formatChecks(component.component, component.checks)),
    failed.length === 0 ? 'all checks passed' : `FAILED: ${failed.join(', ')}`,
  ].join('\n');
}

export function formatStatus(report: StatusReport): string {
  return [
    `release ${report.release} in ${report.namespace}: ${report.status}, revision ` +
      `${report.revision}, chart ${report.chart}, deployed ${report.lastDeployed}`,
    ...report.components.flatMap((component) => formatChecks(component.component, component.checks)),
    'hooks and checks, last run:',
    ...report.hooks.map((hook) => `  ${hook.phase.padEnd(9)} ${hook.name} (${hook.events.join(', ')})`),
  ].join('\n');
}

export function formatDown(report: DownReport): string {
  return [
    report.uninstalled ? `release ${report.release} uninstalled` : `release ${report.release} was not installed`,
    ...report.data.map((item) => `  ${item.action} ${item.kind} ${item.name}`),
    ...(report.data.some((item) => item.action === 'kept')
      ? ['kept data is reused by the next up; delete it with down --delete-data']
      : []),
  ].join('\n');
}

export function formatImages(images: readonly ReleaseImage[]): string {
  return images.map((entry) => `${entry.image}\n  used by ${entry.usedBy.join(', ')}\n  set by ${entry.values}`).join('\n');
}
