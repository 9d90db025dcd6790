/** Exit codes of the hooks program. */
export const ExitCode = {
  ok: 0,
  /** The desired state does not hold: a service is unreachable, refused a change, or failed a check. */
  failed: 1,
  /** The input is wrong: a bad flag, a malformed catalogue. Running again will not help. */
  invalidInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the user can act on: `message` names the cause, `hint` the fix. Anything else that
 * escapes a command is a bug, and is reported as one.
 */
export class HookError extends Error {
  override readonly name = 'HookError';

  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: ExitCode = ExitCode.failed,
  ) {
    super(message);
  }
}
