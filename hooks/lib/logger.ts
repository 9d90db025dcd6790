import { pino, type Logger } from 'pino';

export type { Logger };

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Fields that may carry a credential: pino replaces them before a line is written. */
const redactedPaths = ['password', '*.password', 'sasl', '*.sasl', 'connectionString', '*.connectionString'];

/**
 * JSON lines on stdout, one per event, as `kubectl logs` and log collectors expect. Writes are
 * synchronous so that nothing is lost when the program exits straight after logging.
 */
export function createLogger(level: LogLevel, destination = pino.destination({ sync: true })): Logger {
  return pino(
    {
      level,
      base: { program: 'learnflow-hooks' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
