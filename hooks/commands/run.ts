// How a command's work ends: one log line that names the cause and the fix, and the exit code.
import { ActionableError, ExitCode } from '../../common/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import type { CommonArgs } from './options.js';

/**
 * Runs a command's work with a logger, turning its failure into one log line that names the
 * cause and the fix, and into the process exit code.
 */
export async function runHook(args: CommonArgs, work: (logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger(args.logLevel);
  process.exitCode = (await outcome(logger, () => work(logger))).code;
}

/** One step of a composite command: its name (logged as `part` on each of its lines) and its work. */
export type HookPart = readonly [name: string, work: (logger: Logger) => Promise<void>];

/**
 * Runs chains of parts side by side, the parts of one chain in order (an empty chain runs
 * nothing): a chain stops at its first failure, the others go on. Each failure is logged as runHook logs it, and once more in the
 * last line, which is what `kubectl describe` and the deploy command show of a failed Pod. The
 * exit code is invalidInput if any part had wrong input (running again will not help), else
 * failed if any failed. The last line also gives the program's startup and total time.
 */
export async function runHookChains(args: CommonArgs, chains: readonly (readonly HookPart[])[]): Promise<void> {
  const logger = createLogger(args.logLevel);
  // Milliseconds since the process started: loading the program, then its work.
  const startupMs = Math.round(performance.now());
  const results = await Promise.all(
    chains.map(async (chain) => {
      const ran: (Outcome & { part: string })[] = [];
      for (const [part, work] of chain) {
        const child = logger.child({ part });
        const result = await outcome(child, () => work(child));
        ran.push({ part, ...result });
        if (result.code !== ExitCode.ok) break;
      }
      return ran;
    }),
  );
  const ran = results.flat();
  const failed = ran.filter((result) => result.code !== ExitCode.ok);
  const skipped = chains
    .flat()
    .map(([part]) => part)
    .filter((part) => !ran.some((result) => result.part === part));
  process.exitCode = failed.some((result) => result.code === ExitCode.invalidInput)
    ? ExitCode.invalidInput
    : failed.length > 0
      ? ExitCode.failed
      : ExitCode.ok;
  const timing = { startupMs, elapsedMs: Math.round(performance.now()) };
  if (failed.length === 0) {
    logger.info({ parts: ran.map((result) => result.part), ...timing }, `done: ${ran.map((result) => result.part).join(', ')}`);
    return;
  }
  logger.error(
    { failed: failed.map((result) => result.part), skipped, hint: failed.map((result) => result.hint).join('; '), ...timing },
    failed.map((result) => `${result.part} failed: ${result.message}`).join('; ') +
      (skipped.length > 0 ? `; not run after that: ${skipped.join(', ')}` : ''),
  );
}

interface Outcome {
  code: ExitCode;
  message?: string;
  hint?: string;
}

/** How `work` ended, its failure logged with the fix. */
async function outcome(logger: Logger, work: () => Promise<void>): Promise<Outcome> {
  try {
    await work();
    return { code: ExitCode.ok };
  } catch (error) {
    if (error instanceof ActionableError) {
      logger.error({ hint: error.fix }, error.message);
      return { code: error.exitCode, message: error.message, hint: error.fix };
    }
    const bug = 'unexpected failure, which is a bug: please report it with this log';
    logger.fatal({ err: error }, bug);
    return { code: ExitCode.failed, message: bug, hint: 'see the fatal line above' };
  }
}
