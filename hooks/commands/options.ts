import type { Options } from 'yargs';
import { ExitCode, HookError } from '../lib/hook-error.js';
import { createLogger, logLevels, type LogLevel, type Logger } from '../lib/logger.js';
import type { FailureClass, RetryOptions } from '../lib/retry.js';

// Every option can also come from the environment as LEARNFLOW_HOOKS_<OPTION>
// (LEARNFLOW_HOOKS_KAFKA_BROKERS), which is how the chart's Jobs set them. The prefix is the
// program's own: in strict mode any other variable under it would be an unknown option.
// Options of one service live beside its commands (kafka-options.ts, postgres-options.ts).

export const commonOptions = {
  'log-level': { choices: logLevels, default: 'info' as LogLevel, describe: 'Least severe log level to print' },
  timeout: {
    type: 'number',
    default: 300,
    describe: 'Seconds to keep waiting for services that are not ready yet, before failing',
  },
} as const satisfies Record<string, Options>;

export interface CommonArgs {
  logLevel: LogLevel;
  timeout: number;
}

/**
 * Runs a command's work with a logger, turning its failure into one log line that names the
 * cause and the fix, and into the process exit code.
 */
export async function runHook(args: CommonArgs, work: (logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger(args.logLevel);
  try {
    await work(logger);
  } catch (error) {
    if (error instanceof HookError) {
      logger.error({ hint: error.hint }, error.message);
      process.exitCode = error.exitCode;
    } else {
      logger.fatal({ err: error }, 'unexpected failure, which is a bug: please report it with this log');
      process.exitCode = ExitCode.failed;
    }
  }
}

/** The retry settings every command uses: `--timeout` bounds the wait, retries are logged. */
export function retryOptions(what: string, args: CommonArgs, logger: Logger, classify: (error: unknown) => FailureClass): RetryOptions {
  return {
    what,
    classify,
    policy: { timeoutMs: args.timeout * 1000, initialDelayMs: 500, maxDelayMs: 10_000 },
    onRetry: (failure, attempt, delayMs) => logger.warn({ attempt, retryInMs: delayMs, hint: failure.hint }, `${what}: ${failure.reason}`),
  };
}
