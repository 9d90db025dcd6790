/**
 * A failure the user can act on: what went wrong, why, and what to do about it. Every error the
 * deploy commands raise on purpose is one of these; anything else is a bug and is shown whole.
 */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'DeployError';
  }
}
