// Benchmark: what Dapr costs a service, measured beside the same work done directly, on the same
// servers in the same run. Pub/sub: messages published through a sidecar's HTTP API and delivered
// through another app id's sidecar to the example service (examples/service), which saves a
// marker per message in the state store before it answers, beside kafkajs producing and consuming
// in a group of its own, saving the same marker with pg: messages per second, and the latency from
// publish to delivery (p50, p99). State: saves and reads through the state store component,
// beside pg doing the same upsert and select on a table of the same shape. Both sides keep the
// same number of requests in flight.
//
//   npm run bench        (after scripts/install-tools.sh and `source scripts/env.sh`)
import pg from 'pg';
import { Kafka } from '../hooks/kafka/kafkajs.js';
import { uniquePrefix } from '../test/support/catalogue.js';
import { examplePlatform, type ExampleApp } from '../test/support/example-service.js';
import { withTestAdmin } from '../test/support/kafka-admin.js';
import { KafkaServer } from '../test/support/kafka-server.js';
import { PostgresqlServer } from '../test/support/postgresql-server.js';
import { until, NotYet } from '../test/support/wait.js';
import { timed } from './measure.js';

const messages = 2_000;
const saves = 2_000;
const inFlight = 16;

/** Runs `work(i)` for i = 0..count-1 with at most `inFlight` at a time. */
async function pooled(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const percentile = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

interface Figures {
  perSecond: number;
  p50?: number;
  p99?: number;
}

/** Publishes through a sidecar and waits until the example service received every message. */
async function throughDapr(publisherPort: number, subscriber: ExampleApp, topic: string): Promise<Figures> {
  const url = `http://127.0.0.1:${publisherPort}/v1.0/publish/pubsub-kafka/${topic}`;
  const seconds = await timed(async () => {
    await pooled(messages, async (n) => {
      const response = await fetch(`${url}?metadata.partitionKey=student-${n % 20}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n, sentAt: Date.now() }),
      });
      if (response.status !== 204) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
    });
    await until(`all ${messages} messages delivered through Dapr`, async () => {
      const count = (await subscriber.processed()).length;
      if (count < messages) throw new NotYet(`${count} so far`);
    });
  });
  const latencies = (await subscriber.processed()).map((event) => event.receivedAt - (event.data as { sentAt: number }).sentAt);
  return { perSecond: messages / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/**
 * The same with kafkajs: a producer (acks all, as Dapr's) and a consumer in a group of its own,
 * which does the example service's work per message with pg: an upsert of a marker keyed by the message.
 */
async function throughKafkajs(bootstrap: string, topic: string, database: pg.Pool): Promise<Figures> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: 0 });
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-${uniquePrefix()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const latencies: number[] = [];
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        await database.query(upsert, [`processed-${partition}-${message.offset}`, JSON.stringify({ topic })]);
        latencies.push(Date.now() - (JSON.parse(message.value!.toString()) as { sentAt: number }).sentAt);
      },
    });
    const seconds = await timed(async () => {
      await pooled(messages, (n) =>
        producer.send({ topic, acks: -1, messages: [{ key: `student-${n % 20}`, value: JSON.stringify({ n, sentAt: Date.now() }) }] }),
      );
      await until(`all ${messages} messages consumed by kafkajs`, () =>
        latencies.length < messages ? Promise.reject(new NotYet(`${latencies.length} so far`)) : Promise.resolve(),
      );
    });
    return { perSecond: messages / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
  }
}

/** Saves, then reads, `saves` keys through the sidecar's state API. */
async function stateThroughDapr(port: number): Promise<[Figures, Figures]> {
  const url = `http://127.0.0.1:${port}/v1.0/state/statestore`;
  const write = await timed(() =>
    pooled(saves, async (n) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ key: `bench-${n}`, value: { n } }]),
      });
      if (response.status !== 204) throw new Error(`save answered ${response.status}`);
    }),
  );
  const read = await timed(() =>
    pooled(saves, async (n) => {
      const response = await fetch(`${url}/bench-${n}`);
      if (response.status !== 200) throw new Error(`read answered ${response.status}`);
      await response.json();
    }),
  );
  return [{ perSecond: saves / write }, { perSecond: saves / read }];
}

/** What the state store does on a save, on a table shaped like Dapr's (key, jsonb value, etag). */
const upsert =
  'INSERT INTO bench_state (key, value, etag) VALUES ($1, $2, gen_random_uuid()) ' +
  'ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = gen_random_uuid(), updated = now()';

/** The same upserts and selects with pg. */
async function stateThroughPg(pool: pg.Pool): Promise<[Figures, Figures]> {
  const write = await timed(() => pooled(saves, (n) => pool.query(upsert, [`bench-${n}`, JSON.stringify({ n })])));
  const read = await timed(() => pooled(saves, (n) => pool.query('SELECT value, etag FROM bench_state WHERE key = $1', [`bench-${n}`])));
  return [{ perSecond: saves / write }, { perSecond: saves / read }];
}

function print(title: string, rows: [string, Figures, Figures][]): void {
  const cell = (figures: Figures) =>
    `${figures.perSecond.toFixed(0).padStart(7)}/s` + (figures.p50 === undefined ? '' : `  p50 ${figures.p50} ms  p99 ${figures.p99} ms`);
  console.log(`\n${title}`);
  for (const [label, dapr, direct] of rows) {
    console.log(
      `${label.padEnd(28)}Dapr ${cell(dapr)}    direct ${cell(direct)}    direct/Dapr ${(direct.perSecond / dapr.perSecond).toFixed(1)}x`,
    );
  }
}

const [broker, server] = await Promise.all([KafkaServer.start('bench', 'kraft'), PostgresqlServer.start('bench-dapr')]);
let platform: Awaited<ReturnType<typeof examplePlatform>> | undefined;
try {
  const address = await server.address();
  const [viaDapr, viaKafkajs] = [`${uniquePrefix()}exercise.graded`, `${uniquePrefix()}exercise.graded`];
  await withTestAdmin(broker.bootstrap, (admin) =>
    admin.createTopics({ topics: [viaDapr, viaKafkajs].map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true }),
  );
  platform = await examplePlatform(broker.bootstrap, address);
  const [publisher] = await platform.start('bench-publisher', 1, []);
  const [subscriber] = await platform.start('bench-subscriber', 1, [viaDapr]);
  // The subscriber's group is made when it joins: wait for it, as the tests do.
  await until('the subscriber to join its group', () =>
    withTestAdmin(broker.bootstrap, async (admin) => {
      const { groups } = await admin.describeGroups(['learnflow.bench-subscriber']);
      if (groups[0]?.state !== 'Stable') throw new NotYet(groups[0]?.state ?? 'no group');
    }),
  );
  const database = new pg.Pool({
    ...{ host: address.host, port: address.port, user: 'postgres', password: address.superuserPassword, database: 'postgres' },
    max: inFlight,
  });
  await database.query('CREATE TABLE bench_state (key text PRIMARY KEY, value jsonb NOT NULL, etag uuid NOT NULL, updated timestamptz)');
  const pubsub: [string, Figures, Figures] = [
    `${messages} messages`,
    await throughDapr(publisher!.daprd.httpPort, subscriber!, viaDapr),
    await throughKafkajs(broker.bootstrap, viaKafkajs, database),
  ];
  const [daprSaves, daprReads] = await stateThroughDapr(publisher!.daprd.httpPort);
  const [pgSaves, pgReads] = await stateThroughPg(database);
  await database.end();
  print(`Kafka 3.9 (one KRaft node), ${inFlight} publishes in flight, publish to delivery:`, [pubsub]);
  print(`PostgreSQL, ${inFlight} requests in flight:`, [
    [`${saves} saves (upserts)`, daprSaves, pgSaves],
    [`${saves} reads by key`, daprReads, pgReads],
  ]);
} finally {
  await platform?.stop();
  await Promise.all([broker.delete(), server.delete()]);
}
