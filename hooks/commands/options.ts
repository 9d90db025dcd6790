import type { Options } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { logLevels, type LogLevel } from '../lib/logger.js';
import type { WaitSettings } from '../lib/retry.js';

// Every option can also come from the environment as LEARNFLOW_HOOKS_<OPTION>
// (LEARNFLOW_HOOKS_KAFKA_BROKERS), which is how the chart's Jobs set them. The prefix is the
// program's own: in strict mode any other variable under it would be an unknown option.
// Options of one service have a file of their own (kafka-options.ts, postgresql-options.ts); the
// runner that turns a command's work into log lines and an exit code is run.ts.

/** yargs' coerce for a comma-separated list: its items, trimmed, without empty ones. */
export const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export const commonOptions = {
  'log-level': { choices: logLevels, default: 'info' as LogLevel, describe: 'Least severe log level to print' },
  timeout: {
    type: 'number',
    default: 300,
    describe: 'Seconds to keep waiting for services that are not ready yet, before failing',
  },
} as const satisfies Record<string, Options>;

export interface CommonArgs extends WaitSettings {
  logLevel: LogLevel;
}

/**
 * The options of `options` with none demanded, for a command whose parts each need only some
 * of them; each part checks its own with requireOptions.
 */
export function undemanded<T extends Record<string, Options>>(options: T): { [K in keyof T]: Omit<T[K], 'demandOption'> } {
  return Object.fromEntries(Object.entries(options).map(([key, { demandOption: _, ...option }]) => [key, option])) as {
    [K in keyof T]: Omit<T[K], 'demandOption'>;
  };
}

/** `args` with the given options present, or a ActionableError naming every missing flag for `part`. */
export function requireOptions<T extends object, K extends keyof T & string>(
  args: T,
  part: string,
  keys: readonly K[],
): T & { [P in K]-?: NonNullable<T[P]> } {
  const missing = keys.filter((key) => args[key] === undefined || args[key] === null);
  if (missing.length > 0) {
    const flags = missing.map((key) => `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
    throw new ActionableError(
      `${part} needs ${flags.join(', ')}`,
      `pass ${flags.join(' and ')} (the chart sets each as a LEARNFLOW_HOOKS_* variable)`,
      [],
      ExitCode.invalidInput,
    );
  }
  return args as T & { [P in K]-?: NonNullable<T[P]> };
}
