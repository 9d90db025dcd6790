/** An answer from the sidecar; its body parsed as JSON when it is JSON. */
export interface SidecarResponse {
  status: number;
  body: unknown;
}

/** The sidecar did not answer at all (not yet started, or not injected). */
export class SidecarUnreachable extends Error {
  override readonly name = 'SidecarUnreachable';
}

/** The few calls of the Dapr HTTP API the check makes, on the sidecar in the same Pod. */
export class DaprSidecar {
  constructor(private readonly port: number) {}

  get address(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<SidecarResponse> {
    let response: Response;
    try {
      response = await fetch(`${this.address}${path}`, {
        method,
        signal: AbortSignal.timeout(10_000),
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      // fetch's own message is "fetch failed"; the socket's reason is its cause.
      const { cause, message } = error as Error;
      throw new SidecarUnreachable(
        `the Dapr sidecar at ${this.address} does not answer: ${cause instanceof Error ? cause.message : message}`,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text for the message.
    }
    return { status: response.status, body: parsed };
  }
}
