import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ActionableError } from '../../common/errors.js';
import { withKafka, type KafkaSettings } from '../kafka/connection.js';
import { createTemporaryTopic, removeTemporary } from '../kafka/round-trip.js';
import { retryUntil } from '../lib/retry.js';
import type { Logger } from '../lib/logger.js';
import { DaprSidecar, SidecarUnreachable, type SidecarResponse } from './sidecar.js';

/** The Dapr check's settings: Kafka, for the temporary topic, and the sidecar and components to check. */
export interface DaprCheckSettings extends KafkaSettings {
  daprHttpPort: number;
  appPort: number;
  pubsubName: string;
  statestoreName: string;
}

/**
 * The Dapr check (a helm test Job with a sidecar): a temporary topic made and subscribed to, the
 * sidecar and both components checked, the topic removed, and the sidecar stopped, pass or fail.
 */
export async function checkDapr(settings: DaprCheckSettings, logger: Logger): Promise<void> {
  const sidecar = new DaprSidecar(settings.daprHttpPort);
  try {
    // Dapr does not create topics, and reads the subscriptions when the app starts listening.
    const topic = await withKafka(settings, logger, 'learnflow-dapr-check', 'creating the temporary topic', createTemporaryTopic);
    const app = new SubscriberApp(settings.pubsubName, topic);
    await app.listen(settings.appPort);
    try {
      await checkThroughSidecar(app, {
        pubsub: settings.pubsubName,
        statestore: settings.statestoreName,
        topic,
        sidecar,
        timeoutMs: settings.timeout * 1000,
        logger,
      });
    } finally {
      await app.close();
      await withKafka({ ...settings, timeout: 30 }, logger, 'learnflow-dapr-check', 'removing the temporary topic', (admin) =>
        removeTemporary(admin, { topic }, logger),
      ).catch((error: unknown) => logger.warn({ err: error, topic }, 'could not remove the temporary topic; it is safe to delete by hand'));
    }
    logger.info('dapr check passed');
  } finally {
    // The sidecar would keep the Job's Pod running forever: stop it, pass or fail.
    await sidecar.call('POST', '/v1.0/shutdown').catch(() => undefined);
  }
}

interface SidecarCheckOptions {
  pubsub: string;
  statestore: string;
  /** The temporary topic, created before the app listens (Dapr does not create topics). */
  topic: string;
  sidecar: DaprSidecar;
  /** How long to wait for the sidecar, and then for the message to come back. */
  timeoutMs: number;
  logger: Logger;
}

const route = '/learnflow-check';

/**
 * The app side of the Dapr check: a subscription (served to the sidecar at /dapr/subscribe) to
 * the temporary topic, and the messages delivered to it.
 */
class SubscriberApp {
  private readonly server: Server;
  private readonly received = new Map<string, () => void>();

  constructor(
    private readonly pubsub: string,
    private readonly topic: string,
  ) {
    this.server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/dapr/subscribe') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify([{ pubsubname: this.pubsub, topic: this.topic, route }]));
        return;
      }
      if (request.method === 'POST' && request.url === route) {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const runId = runIdOf(Buffer.concat(chunks).toString('utf8'));
          if (runId) this.received.get(runId)?.();
          response.setHeader('content-type', 'application/json');
          // Anything else on the topic is acknowledged and dropped: it is not ours to retry.
          response.end(JSON.stringify({ status: 'SUCCESS' }));
        });
        return;
      }
      response.statusCode = 404;
      response.end();
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, resolve);
    });
  }

  /** Resolves when a message carrying runId arrives. */
  delivery(runId: string): Promise<void> {
    return new Promise((resolve) => this.received.set(runId, resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The runId in a delivered CloudEvent's data, if it is one of ours. */
export function runIdOf(body: string): string | undefined {
  try {
    const event = JSON.parse(body) as { data?: { runId?: unknown } };
    return typeof event.data?.runId === 'string' ? event.data.runId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for the sidecar, then checks that both components are loaded, that state can be saved,
 * read and deleted, and that a message published to the temporary topic comes back through the
 * subscription. The first failure throws, naming what to look at.
 */
async function checkThroughSidecar(app: SubscriberApp, options: SidecarCheckOptions): Promise<void> {
  const { sidecar, logger } = options;
  const deadline = Date.now() + options.timeoutMs;
  await waitForSidecar(sidecar, deadline);
  logger.info({ check: 'sidecar', ok: true }, `the Dapr sidecar answers at ${sidecar.address}`);

  const metadata = (await sidecar.call('GET', '/v1.0/metadata')).body as { id?: string; components?: { name: string }[] } | undefined;
  const loaded = (metadata?.components ?? []).map((component) => component.name);
  const missing = [options.pubsub, options.statestore].filter((name) => !loaded.includes(name));
  if (missing.length > 0) {
    const appId = metadata?.id ?? 'of this check';
    throw new ActionableError(
      `component(s) ${missing.join(', ')} not loaded by the sidecar of app id ${appId} (loaded: ${loaded.join(', ') || 'none'})`,
      `a component loads only in the app ids its scopes list: \`kubectl get component ${missing[0]} -o jsonpath='{.scopes}'\` ` +
        `must be empty or include ${appId} (the chart adds tests.dapr.appId to daprComponents.*.scopes); ` +
        "else see the daprd container's log for a component that failed to initialise",
    );
  }
  logger.info({ check: 'components', ok: true, loaded }, `components ${options.pubsub} and ${options.statestore} are loaded`);

  await stateRoundTrip(sidecar, options.statestore);
  logger.info({ check: 'state', ok: true }, `state saved, read and deleted through ${options.statestore}`);

  await pubsubRoundTrip(app, options, deadline);
  logger.info({ check: 'pubsub', ok: true }, `a message published through ${options.pubsub} came back through the subscription`);
}

/**
 * Publishes to the temporary topic until a message comes back. A new subscription starts at the
 * newest offset once its consumer has joined the group, so a message published before that is
 * never delivered: publishing again every two seconds is what makes the check dependable.
 */
async function pubsubRoundTrip(app: SubscriberApp, options: SidecarCheckOptions, deadline: number): Promise<void> {
  const runId = randomUUID();
  let delivered = false;
  const delivery = app.delivery(runId).then(() => (delivered = true));
  while (!delivered && Date.now() < deadline) {
    const published = await options.sidecar.call('POST', `/v1.0/publish/${options.pubsub}/${options.topic}`, { runId });
    expectOk(published, `publishing to ${options.topic} through ${options.pubsub}`, 'check that Kafka is reachable from the sidecar');
    await Promise.race([delivery, sleep(2_000)]);
  }
  if (!delivered) {
    throw new ActionableError(
      `messages published to ${options.topic} through ${options.pubsub} were not delivered back in time`,
      "check the daprd container's log for the subscription, and that the consumer group can join (Kafka's __consumer_offsets topic)",
    );
  }
}

const sidecarHint =
  'check that the Pod has a daprd container (the dapr.io/enabled annotation and a running sidecar injector), and ' +
  'its log: a component that fails to initialise stops it (the state store when PostgreSQL is ' +
  'unreachable, rejects the password or its certificate fails postgresqlSchema.tls, the pub/sub when Kafka is unreachable)';

/** Until the sidecar says it is healthy, within the check's deadline. */
async function waitForSidecar(sidecar: DaprSidecar, deadline: number): Promise<void> {
  await retryUntil(
    async () => {
      const health = await sidecar.call('GET', '/v1.0/healthz');
      if (health.status !== 204 && health.status !== 200) throw new SidecarUnreachable(`it answered ${health.status}`);
    },
    {
      what: 'waiting for the Dapr sidecar',
      // Daprd is up in seconds: poll it every half second or so, not with a growing backoff.
      policy: { timeoutMs: Math.max(0, deadline - Date.now()), initialDelayMs: 500, maxDelayMs: 500 },
      classify: (error) =>
        error instanceof SidecarUnreachable
          ? { retriable: true, reason: `the Dapr sidecar was not ready in time: ${error.message}`, hint: sidecarHint }
          : { retriable: false, reason: String(error), hint: sidecarHint },
    },
  );
}

async function stateRoundTrip(sidecar: DaprSidecar, store: string): Promise<void> {
  const key = `learnflow-check-${randomUUID()}`;
  const hint = 'check the state store component, the credentials Secret it reads, and that PostgreSQL is reachable';
  expectOk(await sidecar.call('POST', `/v1.0/state/${store}`, [{ key, value: { check: true } }]), `saving state in ${store}`, hint);
  const read = await sidecar.call('GET', `/v1.0/state/${store}/${key}`);
  expectOk(read, `reading state from ${store}`, hint);
  if ((read.body as { check?: boolean })?.check !== true)
    throw new ActionableError(`state read back from ${store} differs from what was saved`, hint);
  expectOk(await sidecar.call('DELETE', `/v1.0/state/${store}/${key}`), `deleting state from ${store}`, hint);
}

function expectOk(response: SidecarResponse, what: string, hint: string): void {
  if (response.status >= 200 && response.status < 300) return;
  const detail = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  throw new ActionableError(`${what} failed: the sidecar answered ${response.status}: ${detail}`, hint);
}
