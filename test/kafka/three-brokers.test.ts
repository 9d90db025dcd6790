import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalogue, type TopicSpec } from '../../hooks/kafka/catalogue.js';
import { ConfigResourceTypes, Kafka, type Admin } from '../../hooks/kafka/kafkajs.js';
import { uniquePrefix, writeCatalogue } from '../support/catalogue.js';
import { chartCopy, find, render, subchartsDir } from '../support/chart.js';
import { runCli } from '../support/cli.js';
import { protocolErrorTypes } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { NotYet, until } from '../support/wait.js';

// The replication and min.insync.replicas cases on a real three-node KRaft Kafka, the production
// profile's shape: the broker settings the chart renders for three nodes, the topic hook's topics
// at three replicas, and consumer offsets that survive the loss of the node that held them.

let kafka: KafkaServer;
let production: Awaited<ReturnType<typeof render>>;

beforeAll(async () => {
  // The render first: brokers started beside a render that fails would outlive the test.
  production = await render({ chart: await chartCopy({ subcharts: subchartsDir() }), valuesFiles: ['profiles/production.yaml'] });
  kafka = await KafkaServer.start('three', 'kraft3');
}, 180_000);

afterAll(async () => {
  await kafka?.delete();
});

const client = (brokers: string[]) => new Kafka({ clientId: 'learnflow-tests', brokers, logLevel: 0, retry: { retries: 12 } });

async function withAdmin<T>(brokers: string[], work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

const replicationKeys = [
  'default.replication.factor',
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'min.insync.replicas',
];
const settingsOf = (properties: string) =>
  Object.fromEntries(replicationKeys.map((key) => [key, new RegExp(`^${key.replaceAll('.', '\\.')}=(.*)$`, 'm').exec(properties)?.[1]]));

// kafkajs's names for Kafka's NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and COORDINATOR_LOAD_IN_PROGRESS.
const coordinatorMoving = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'LEADER_NOT_AVAILABLE',
]);

/** Waits for the group coordinator to move after a node is lost: retries only the errors that say it is still moving. */
const untilCoordinatorMoves = <T>(what: string, attempt: () => Promise<T>) =>
  until(what, attempt, { notYet: (error) => protocolErrorTypes(error).some((type) => coordinatorMoving.has(type)) });

/** Java's String.hashCode, by which Kafka places a group in a partition of __consumer_offsets. */
const javaHash = (text: string) => [...text].reduce((hash, char) => (Math.imul(31, hash) + char.charCodeAt(0)) | 0, 0);

describe('a three-node KRaft Kafka (the production profile), for real', () => {
  it('runs with the replication settings the chart renders for three nodes', async () => {
    const rendered = (find(production, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)[
      'server.properties'
    ]!;
    const state = process.env['LEARNFLOW_STATE']!;
    const running = await readFile(join(state, 'kafka', kafka.name, 'node-0', 'server.properties'), 'utf8');
    expect(settingsOf(rendered)).toEqual({
      'default.replication.factor': '3',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'min.insync.replicas': '2',
    });
    expect(settingsOf(running)).toEqual(settingsOf(rendered));
  });

  it(
    'the topic hook makes every topic three replicas with min.insync.replicas 2, and committed offsets outlive the node that held them',
    { timeout: 180_000 },
    async () => {
      const data = find(production, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>;
      const prefix = uniquePrefix();
      const topics: TopicSpec[] = parseCatalogue(data['topics.json']!, 'ConfigMap').map((topic) => ({
        ...topic,
        name: prefix + topic.name,
      }));
      const hook = await runCli([
        'kafka-topics',
        '--kafka-brokers',
        kafka.brokers.join(','),
        '--topics-file',
        await writeCatalogue(topics),
      ]);
      expect(hook.code, hook.stdout).toBe(0);

      await withAdmin(kafka.brokers, async (admin) => {
        const { topics: described } = await admin.fetchTopicMetadata({ topics: topics.map((topic) => topic.name) });
        for (const topic of described) {
          expect(new Set(topic.partitions.map((partition) => partition.replicas.length)), topic.name).toEqual(new Set([3]));
        }
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((topic) => ({ type: ConfigResourceTypes.TOPIC, name: topic.name, configNames: ['min.insync.replicas'] })),
        });
        expect(new Set(resources.map((resource) => resource.configEntries[0]?.configValue))).toEqual(new Set(['2']));
      });

      // A consumer group's committed offset, then the node leading its __consumer_offsets partition lost.
      const topic = topics[0]!.name;
      const groupId = `${prefix}group`;
      const producer = client(kafka.brokers).producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'one' }] });
      await withAdmin(kafka.brokers, (admin) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] }));
      const coordinatorNode = await withAdmin(kafka.brokers, async (admin) => {
        const { topics: internal } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
        const partitions = internal[0]!.partitions;
        expect(new Set(partitions.map((partition) => partition.replicas.length)), '__consumer_offsets replicas').toEqual(new Set([3]));
        const own = Math.abs(javaHash(groupId)) % partitions.length;
        return partitions.find((partition) => partition.partitionId === own)!.leader;
      });
      await kafka.kill(coordinatorNode);
      try {
        const survivors = kafka.brokers.filter((_, node) => node !== coordinatorNode);
        // The controller fences the lost node after its session times out, and a replica takes over the partition.
        await untilCoordinatorMoves(`the group's __consumer_offsets partition led by a node other than ${coordinatorNode}`, () =>
          withAdmin(survivors, async (admin) => {
            const { topics: internal } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
            const own = Math.abs(javaHash(groupId)) % internal[0]!.partitions.length;
            const leader = internal[0]!.partitions.find((partition) => partition.partitionId === own)!.leader;
            if (leader === coordinatorNode) throw new NotYet(`still led by node ${coordinatorNode}`);
          }),
        );
        // A new leader is not yet a coordinator that has loaded the group: a client reading committed
        // offsets retries NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS until one answers.
        const committed = await untilCoordinatorMoves(`the committed offsets of ${groupId}`, () =>
          withAdmin(survivors, (admin) => admin.fetchOffsets({ groupId, topics: [topic] })),
        );
        expect(committed[0]!.partitions.find((partition) => partition.partition === 0)?.offset).toBe('1');
        // With two of three replicas in sync, min.insync.replicas 2 still takes an acks=all write.
        const writer = client(survivors).producer();
        await writer.connect();
        await writer.send({ topic, acks: -1, messages: [{ key: 'b', value: 'two' }] });
        await writer.disconnect();
      } finally {
        await producer.disconnect().catch(() => undefined);
        await kafka.start();
      }
    },
  );
});
