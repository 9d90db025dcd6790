import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { cliPath, deployCliPath } from './paths.js';
import { run, type Finished } from './process.js';

export interface LogLine {
  level: string;
  msg: string;
  hint?: string;
  [field: string]: unknown;
}

export interface CliResult extends Finished {
  lines: LogLine[];
  elapsedMs: number;
}

/** Runs the compiled hooks program as a Job would, returning its exit code and parsed log lines. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = Date.now();
  const result = await run(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
  return { ...result, lines: parseLines(result.stdout), elapsedMs: Date.now() - started };
}

/**
 * Starts the program and calls `onLine` for each log line as it is printed, for tests that act
 * while the program runs (stopping a broker under it).
 */
export function startCli(args: readonly string[], env: Record<string, string>, onLine: (line: LogLine) => void): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of parseLines(complete.join('\n'))) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, lines: parseLines(stdout), elapsedMs: Date.now() - started }));
  });
}

function parseLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * The program's own time from its first log line to its last: the wait it bounds, without the
 * loading of Node.js and the program that comes before it and that a loaded machine slows.
 */
export function loggedMs(result: CliResult): number {
  const times = result.lines.map((line) => Date.parse(String(line['time'])));
  if (times.length === 0 || times.some(Number.isNaN)) throw new Error(`no timed log lines in:\n${result.stdout}`);
  return times.at(-1)! - times[0]!;
}

/** The checks a check command logged as passed ("ok": true), in order: what its steps proved. */
export function passedChecks(result: CliResult): unknown[] {
  return result.lines.filter((line) => line['ok'] === true).map((line) => line['check']);
}

/** The message of the program's last error line, with its hint. */
export function failure(result: CliResult): { msg: string; hint: string } {
  const line = result.lines.findLast((entry) => entry.level === 'error' || entry.level === 'fatal');
  if (!line) throw new Error(`no error line in:\n${result.stdout}\n${result.stderr}`);
  return { msg: line.msg, hint: line.hint ?? '' };
}

/** The failure of a run that failed at once: one that waiting does not pass, so no attempt was retried. */
export function failedAtOnce(result: CliResult): { msg: string; hint: string } {
  expect(result.code, result.stdout).toBe(1);
  expect(result.lines.filter((line) => line['attempt'] !== undefined)).toEqual([]);
  return failure(result);
}

/** One JSON line of the deploy command (--output json). */
export interface DeployEvent {
  event: string;
  [field: string]: unknown;
}

export interface DeployResult extends Finished {
  events: DeployEvent[];
}

/** Runs the compiled deploy command (learnflow-infra) against the kubeconfig given. */
export async function runDeploy(args: readonly string[], kubeconfig: string, env: Record<string, string> = {}): Promise<DeployResult> {
  const result = await run(process.execPath, [deployCliPath, ...args], { env: { ...process.env, KUBECONFIG: kubeconfig, ...env } });
  return {
    ...result,
    events: result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as DeployEvent),
  };
}
