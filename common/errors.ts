// What both programs (the hooks program and the deploy command) mean by a failure.

/** Exit codes of both programs. */
export const ExitCode = {
  ok: 0,
  /** The desired state does not hold: a service is unreachable, refused a change, or failed a check. */
  failed: 1,
  /** The input is wrong: a bad flag, a malformed catalogue. Running again will not help. */
  invalidInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the user can act on: `message` names the cause, `fix` what to do about it, `details`
 * what supports it (log lines, the largest requests). Anything else that escapes a command is a
 * bug, and is reported as one.
 */
export class ActionableError extends Error {
  override readonly name = 'ActionableError';

  constructor(
    message: string,
    readonly fix: string,
    readonly details: readonly string[] = [],
    readonly exitCode: ExitCode = ExitCode.failed,
  ) {
    super(message);
  }
}
