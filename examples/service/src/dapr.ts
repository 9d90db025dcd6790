/** The few calls a service makes to its Dapr sidecar, over Dapr's HTTP API (no SDK needed). */
export class Sidecar {
  private readonly base: string;

  constructor(httpPort: number) {
    this.base = `http://127.0.0.1:${httpPort}/v1.0`;
  }

  /**
   * Publishes `data` to a topic; Dapr wraps it in a CloudEvent. Messages with the same `key` go to
   * the same partition, so they are delivered in the order they were published.
   */
  async publish(pubsub: string, topic: string, data: unknown, key?: string): Promise<void> {
    const query = key === undefined ? '' : `?metadata.partitionKey=${encodeURIComponent(key)}`;
    await this.call(`/publish/${pubsub}/${encodeURIComponent(topic)}${query}`, 'POST', data);
  }

  async saveState(store: string, key: string, value: unknown): Promise<void> {
    await this.call(`/state/${store}`, 'POST', [{ key, value }]);
  }

  /** The saved value, or undefined when there is none. */
  async getState(store: string, key: string): Promise<unknown> {
    const response = await this.call(`/state/${store}/${encodeURIComponent(key)}`, 'GET');
    return response.status === 204 ? undefined : response.json();
  }

  /** Whether the sidecar is up with its components loaded (Dapr's outbound health endpoint). */
  async ready(): Promise<boolean> {
    return fetch(`${this.base}/healthz/outbound`).then(
      (response) => response.ok,
      () => false,
    );
  }

  private async call(path: string, method: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`Dapr ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  }
}
