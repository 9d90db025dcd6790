import { describe, expect, it } from 'vitest';
import { ActionableError } from '../../../../common/errors.js';
import { backoffDelay, retryUntil, type FailureClass, type RetryOptions } from '../../../../hooks/lib/retry.js';

const policy = { timeoutMs: 1_000, initialDelayMs: 10, maxDelayMs: 40 };
const classify = (error: unknown): FailureClass => ({
  retriable: (error as Error).message.startsWith('transient'),
  reason: (error as Error).message,
  hint: 'the hint',
});
const options = (overrides: Partial<RetryOptions> = {}): RetryOptions => ({ what: 'doing it', policy, classify, ...overrides });

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, 0.999999))).toEqual([10, 20, 40, 40, 40]);
    expect(backoffDelay(3, policy, 0)).toBe(20);
  });
});

describe('retryUntil', () => {
  it('retries retriable failures until the work succeeds', async () => {
    const retries: number[] = [];
    const result = await retryUntil(
      async (attempt) => {
        if (attempt < 3) throw new Error('transient: not yet');
        return attempt;
      },
      options({ onRetry: (_failure, attempt) => retries.push(attempt) }),
    );
    expect(result).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('stops at the first failure that is not retriable', async () => {
    let attempts = 0;
    const failing = retryUntil(async () => {
      attempts++;
      throw new Error('bad credentials');
    }, options());
    await expect(failing).rejects.toThrow(new ActionableError('doing it failed: bad credentials', 'the hint'));
    expect(attempts).toBe(1);
  });

  it('gives up at the deadline with the last reason and its hint', async () => {
    const started = Date.now();
    const failing = retryUntil(
      async () => {
        throw new Error('transient: broker down');
      },
      options({ policy: { ...policy, timeoutMs: 200 } }),
    );
    await expect(failing).rejects.toThrow(/^doing it gave up after 0\.2s and \d+ attempt\(s\): transient: broker down$/);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('abandons an attempt still running at the deadline', async () => {
    const started = Date.now();
    const hanging = retryUntil(() => new Promise<never>(() => undefined), options({ policy: { ...policy, timeoutMs: 150 } }));
    await expect(hanging).rejects.toThrow(/gave up after 0\.2s and 1 attempt\(s\): the first attempt was still running/);
    expect(Date.now() - started).toBeLessThan(400);
  });
});
