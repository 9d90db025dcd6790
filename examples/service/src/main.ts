// An example LearnFlow service (docs/services.md): it subscribes to catalogue topics through the
// Dapr pub/sub, records each event it processed in the Dapr state store, publishes through its
// sidecar, and reads the curriculum from PostgreSQL as the services' role.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { Sidecar } from './dapr.ts';
import { settingsFromEnv, type DatabaseTls } from './settings.ts';

const settings = settingsFromEnv(process.env);
const sidecar = new Sidecar(settings.daprHttpPort);

/**
 * node-postgres's ssl as libpq's sslmode means it: require verifies nothing, or the chain alone
 * when given a CA (as verify-ca); verify-full the server's name too.
 */
function poolTls(tls: DatabaseTls): ConnectionOptions {
  const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  return {
    ca: read(tls.rootCert),
    cert: read(tls.cert),
    key: read(tls.key),
    rejectUnauthorized: tls.mode !== 'require' || tls.rootCert !== undefined,
    ...(tls.mode !== 'verify-full' && { checkServerIdentity: () => undefined }),
  };
}

// PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD come from the environment, as pg reads them;
// TLS from PGSSL*, which it reads only in part.
const database = new pg.Pool({ max: 2, ...(settings.databaseTls && { ssl: poolTls(settings.databaseTls) }) });
// In a Pod, HOSTNAME is the Pod's name.
const replica = process.env['HOSTNAME'] ?? hostname();

/** The part of a CloudEvent a handler uses: Dapr's envelope around what the publisher sent. */
interface CloudEvent {
  id: string;
  /** The publisher's app id. */
  source: string;
  type: string;
  topic: string;
  data: unknown;
}

/** What this replica processed, oldest first, and when (ms since the epoch): for watching the flow, and for the platform's tests. */
const processed: (Pick<CloudEvent, 'topic' | 'id' | 'source' | 'type' | 'data'> & { receivedAt: number })[] = [];
const processedLimit = 100_000;

const log = (message: string, fields: object = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), replica, message, ...fields }));

// PostgreSQL closing an idle connection (a restart, a failover) is reported here; without a
// listener it would end the process. The pool opens a new connection for the next query.
database.on('error', (error) => log('an idle PostgreSQL connection was closed', { error: String(error) }));

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(response: ServerResponse, status: number, payload?: unknown): void {
  if (payload === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

/**
 * One event from a subscription. The work is keyed by the CloudEvent's id, since delivery is at
 * least once; answering RETRY (or failing) makes Dapr deliver it again, so nothing is acknowledged
 * before its state is saved.
 */
async function onEvent(topic: string, event: CloudEvent, response: ServerResponse): Promise<void> {
  const receivedAt = Date.now();
  try {
    await sidecar.saveState(settings.statestoreName, `processed-${event.id}`, { topic, replica, at: new Date().toISOString() });
  } catch (error) {
    log('saving state failed: asking Dapr to deliver the event again', { topic, id: event.id, error: String(error) });
    send(response, 500, { status: 'RETRY' });
    return;
  }
  processed.push({ topic, id: event.id, source: event.source, type: event.type, data: event.data, receivedAt });
  if (processed.length > processedLimit) processed.shift();
  send(response, 200, { status: 'SUCCESS' });
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const [, action, topic] = url.pathname.split('/');
  if (request.method === 'GET' && url.pathname === '/dapr/subscribe') {
    // Dapr asks once, at start: each topic delivered to POST /events/<topic>.
    send(
      response,
      200,
      settings.topics.map((name) => ({ pubsubname: settings.pubsubName, topic: name, route: `/events/${name}` })),
    );
  } else if (request.method === 'POST' && action === 'events' && topic) {
    await onEvent(decodeURIComponent(topic), (await body(request)) as CloudEvent, response);
  } else if (request.method === 'POST' && action === 'publish' && topic) {
    await sidecar.publish(settings.pubsubName, decodeURIComponent(topic), await body(request), url.searchParams.get('key') ?? undefined);
    send(response, 204);
  } else if (request.method === 'GET' && url.pathname === '/processed') {
    send(response, 200, { replica, processed });
  } else if (request.method === 'GET' && url.pathname === '/ready') {
    const { rows } = await database.query<{ topics: number }>('SELECT count(*)::int AS topics FROM topics');
    const sidecarReady = await sidecar.ready();
    send(response, sidecarReady ? 200 : 503, { curriculumTopics: rows[0]?.topics, sidecar: sidecarReady });
  } else {
    send(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  }
}

const server = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    log('request failed', { method: request.method, url: request.url, error: String(error) });
    if (!response.headersSent) send(response, 500, { error: String(error) });
  });
});
server.listen(settings.appPort, () => log('listening', { port: settings.appPort, topics: settings.topics }));

// Kubernetes sends SIGTERM before it stops the Pod: finish what is in flight, then leave.
process.once('SIGTERM', () => {
  log('stopping');
  server.close(() => void database.end().then(() => process.exit(0)));
});
