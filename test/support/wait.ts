import { retryUntil } from '../../hooks/lib/retry.js';

/** What an attempt throws to say "not yet": the failure `until` always retries. */
export class NotYet extends Error {}

/** What a loaded two-core machine may take to settle after a change or a fault. */
const settleMs = 120_000;

/**
 * Retries `attempt` until it returns, within `timeoutMs`: only a NotYet, or a failure `notYet`
 * accepts, is retried; any other ends the wait at once.
 */
export function until<T>(
  what: string,
  attempt: () => Promise<T>,
  options: { notYet?: (error: unknown) => boolean; timeoutMs?: number } = {},
): Promise<T> {
  return retryUntil(attempt, {
    what: `waiting for ${what}`,
    policy: { timeoutMs: options.timeoutMs ?? settleMs, initialDelayMs: 100, maxDelayMs: 2_000 },
    classify: (error) => ({
      retriable: error instanceof NotYet || (options.notYet?.(error) ?? false),
      reason: error instanceof Error ? error.message : String(error),
      hint: 'see the logs of what the test waited for',
    }),
  });
}

/** Waits, within `timeoutMs`, until `ready` resolves true. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs?: number): Promise<void> {
  await until(
    what,
    async () => {
      if (!(await ready())) throw new NotYet('not yet');
    },
    timeoutMs === undefined ? {} : { timeoutMs },
  );
}
