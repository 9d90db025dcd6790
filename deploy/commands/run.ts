// How a command ends: its result or its error (with the fix) printed, and its exit code.
import { ActionableError, ExitCode } from '../../common/errors.js';
import { outputMode, Progress } from '../output/progress.js';
import { Helm } from '../tools/helm.js';
import { Kubectl } from '../tools/kubectl.js';
import type { TargetArgs } from './options.js';

export interface Session {
  kubectl: Kubectl;
  helm: Helm;
  progress: Progress;
}

function printError(progress: Progress, error: unknown): void {
  progress.stop();
  if (!(error instanceof ActionableError)) throw error;
  if (progress.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ event: 'error', message: error.message, fix: error.fix, details: error.details })}\n`);
  } else {
    process.stderr.write(`\nerror: ${error.message}\n  fix: ${error.fix}\n${error.details.map((line) => `  | ${line}\n`).join('')}`);
  }
}

/**
 * Runs a command: an ActionableError becomes its message, its fix and its exit code; a command that
 * returns false (a failed verification) exits ExitCode.failed; anything else is a bug and shows in full.
 */
export async function runCommand(args: TargetArgs, work: (session: Session) => Promise<boolean>): Promise<void> {
  const target = { context: args.kubeContext, namespace: args.namespace };
  const progress = new Progress(outputMode(args.json ? 'json' : args.output, process.stdout, process.env));
  try {
    const ok = await work({ kubectl: new Kubectl(target), helm: new Helm(target), progress });
    progress.stop();
    process.exitCode = ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    printError(progress, error);
    process.exitCode = error instanceof ActionableError ? error.exitCode : ExitCode.failed;
  }
}

/** Prints a result: a JSON line, or the text the command formats. */
export function printResult(progress: Progress, result: object, text: () => string): void {
  progress.stop();
  process.stdout.write(progress.mode === 'json' ? `${JSON.stringify({ event: 'result', ...result })}\n` : `${text()}\n`);
}
