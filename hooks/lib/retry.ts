import { setTimeout as sleep } from 'node:timers/promises';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from './logger.js';

/** What a failure means for the caller: try again later, or stop now. */
export interface FailureClass {
  retriable: boolean;
  /** The cause, in words a user understands. */
  reason: string;
  /** What to check or change. */
  hint: string;
}

export interface RetryPolicy {
  /** The whole budget: no attempt starts, and none is awaited, past it. */
  timeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RetryOptions {
  /** What is being attempted, for messages: "reconciling Kafka topics". */
  what: string;
  policy: RetryPolicy;
  classify: (error: unknown) => FailureClass;
  onRetry?: (failure: FailureClass, attempt: number, delayMs: number) => void;
}

/** How long a hook waits for services that are not ready yet (its --timeout). */
export interface WaitSettings {
  /** Seconds. */
  timeout: number;
}

/** The retry settings every hook uses: the timeout bounds the wait, and each retry is logged. */
export function retryOptions(
  what: string,
  settings: WaitSettings,
  logger: Logger,
  classify: (error: unknown) => FailureClass,
): RetryOptions {
  return {
    what,
    classify,
    policy: { timeoutMs: settings.timeout * 1000, initialDelayMs: 500, maxDelayMs: 10_000 },
    onRetry: (failure, attempt, delayMs) => logger.warn({ attempt, retryInMs: delayMs, hint: failure.hint }, `${what}: ${failure.reason}`),
  };
}

/**
 * Delay before retry number `attempt` (1-based): exponential from the initial delay, capped,
 * with jitter in [50%, 100%] (`random` in [0, 1)) so that concurrent hooks do not retry in
 * lockstep.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const exponential = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(policy.maxDelayMs, exponential) * (0.5 + random / 2));
}

/**
 * Runs `attempt` until it succeeds, a failure is classified as not retriable, or the time budget
 * is spent: an attempt still running at the deadline is abandoned. Failures surface as a
 * ActionableError that says what was attempted, why it failed, and what to do about it.
 */
export async function retryUntil<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, what } = options;
  const deadline = Date.now() + policy.timeoutMs;
  const gaveUp = (attempts: number, failure: FailureClass) =>
    new ActionableError(
      `${what} gave up after ${formatSeconds(policy.timeoutMs)} and ${attempts} attempt(s): ${failure.reason}`,
      failure.hint,
    );
  let last: FailureClass | undefined;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let failure: FailureClass;
    try {
      return await withinDeadline(attempt(attemptNumber), deadline - Date.now());
    } catch (error) {
      if (error === deadlinePassed) throw gaveUp(attemptNumber, stillRunning(last));
      failure = options.classify(error);
      // An ActionableError keeps its exit code: bad input stays bad input.
      const exitCode = error instanceof ActionableError ? error.exitCode : ExitCode.failed;
      if (!failure.retriable) throw new ActionableError(`${what} failed: ${failure.reason}`, failure.hint, [], exitCode);
    }
    last = failure;
    const delay = backoffDelay(attemptNumber, policy, Math.random());
    if (deadline - Date.now() <= delay) throw gaveUp(attemptNumber, failure);
    options.onRetry?.(failure, attemptNumber, delay);
    await sleep(delay);
  }
}

const deadlinePassed = new Error('deadline passed');

function stillRunning(previous: FailureClass | undefined): FailureClass {
  return {
    retriable: true,
    reason: previous
      ? `the last attempt was still running at the deadline; the one before failed: ${previous.reason}`
      : 'the first attempt was still running at the deadline',
    hint: previous?.hint ?? 'the service answers too slowly: check its health, or raise the timeout',
  };
}

async function withinDeadline<T>(work: Promise<T>, remainingMs: number): Promise<T> {
  const controller = new AbortController();
  const timer = sleep(Math.max(0, remainingMs), undefined, { signal: controller.signal, ref: false }).then(() =>
    Promise.reject(deadlinePassed),
  );
  timer.catch(() => undefined);
  // An abandoned attempt may still fail later; that failure is no longer anyone's concern.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timer]);
  } finally {
    controller.abort();
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
