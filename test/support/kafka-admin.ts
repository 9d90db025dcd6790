import type { KafkaConfig } from 'kafkajs';
import { expect } from 'vitest';
import type { TopicSpec } from '../../hooks/kafka/catalogue.js';
import { classifyKafkaFailure } from '../../hooks/kafka/failures.js';
import { createLogger } from '../../hooks/lib/logger.js';
import { retryUntil } from '../../hooks/lib/retry.js';
import { Kafka, ConfigResourceTypes, ConfigSource, type Admin } from '../../hooks/kafka/kafkajs.js';
import { NotYet, until } from './wait.js';

/** How a test's client logs in to a SASL or TLS listener. */
export type KafkaLogin = Partial<Pick<KafkaConfig, 'sasl' | 'ssl'>>;

/** A quiet logger for in-process calls of the hooks' functions. */
export const quietLogger = createLogger('error');

/**
 * An admin client of the tests' own, to set up and inspect the broker independently of the
 * code under test.
 */
export async function withTestAdmin<T>(brokers: string, work: (admin: Admin) => Promise<T>, login: KafkaLogin = {}): Promise<T> {
  const admin = new Kafka({ clientId: 'learnflow-tests', brokers: [brokers], logLevel: 0, ...login }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Produces `count` messages to a topic of the test's own, each acknowledged by every in-sync replica. */
export async function produceTestMessages(brokers: string, topic: string, count: number): Promise<void> {
  const producer = new Kafka({ clientId: 'learnflow-tests', brokers: [brokers], logLevel: 0 }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, index) => ({ value: String(index) })) });
  } finally {
    await producer.disconnect();
  }
}

/** Creates a topic of the test's own, once it has its leaders. */
export async function createTestTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  await withTestAdmin(brokers, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }));
}

export interface TopicFacts {
  partitions: number;
  replicationFactor: number;
  overrides: Record<string, string>;
  messages: number;
}

/** The Kafka protocol error types of an error and of all it wraps (kafkajs keeps a retried error as originalError, a batch's as errors). */
export function protocolErrorTypes(error: unknown): string[] {
  const { type, errors, originalError, cause } = (error ?? {}) as {
    type?: unknown;
    errors?: unknown[];
    originalError?: unknown;
    cause?: unknown;
  };
  return [
    ...(typeof type === 'string' ? [type] : []),
    ...(errors ?? []).flatMap(protocolErrorTypes),
    // A retrier's error keeps the last attempt's as originalError, a wrapped one as cause: both are read.
    ...[originalError, cause].filter((inner) => inner !== undefined && inner !== error).flatMap(protocolErrorTypes),
  ];
}

/**
 * What the broker says about a topic: partitions, replicas, topic-level configs and messages held.
 * Retried briefly, since a topic created a moment ago may not have a leader everywhere yet.
 */
export function topicFacts(admin: Admin, name: string): Promise<TopicFacts> {
  return retryUntil(() => readTopicFacts(admin, name), {
    what: `reading topic ${name}`,
    classify: classifyKafkaFailure,
    policy: { timeoutMs: 15_000, initialDelayMs: 100, maxDelayMs: 1_000 },
  });
}

async function readTopicFacts(admin: Admin, name: string): Promise<TopicFacts> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name }] });
  const offsets = await admin.fetchTopicOffsets(name);
  const partitions = topics[0]?.partitions ?? [];
  return {
    partitions: partitions.length,
    replicationFactor: partitions[0]?.replicas.length ?? 0,
    overrides: Object.fromEntries(
      (resources[0]?.configEntries ?? [])
        .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
        .map((entry) => [entry.configName, entry.configValue]),
    ),
    messages: offsets.reduce((sum, offset) => sum + Number(offset.high) - Number(offset.low), 0),
  };
}

/**
 * Replaces a topic's overrides by hand, as an operator with kafka-configs.sh would, and waits until
 * the broker shows them: under KRaft the controller acknowledges a change before the broker that
 * answers describeConfigs has applied it, so a read at once may still see the old values.
 */
export async function setTopicOverridesByHand(brokers: string, topic: string, overrides: Record<string, string>): Promise<void> {
  await withTestAdmin(brokers, async (admin) => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(overrides).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    await until(`the broker to show ${topic}'s overrides set by hand`, async () => {
      const shown = (await topicFacts(admin, topic)).overrides;
      if (JSON.stringify(shown, Object.keys(shown).sort()) !== JSON.stringify(overrides, Object.keys(overrides).sort())) {
        throw new NotYet(`${topic} shows ${JSON.stringify(shown)}`);
      }
    });
  });
}

/** Every topic exists exactly as declared, and holds no message. */
export async function expectTopicsAsDeclared(brokers: string, topics: readonly TopicSpec[], login: KafkaLogin = {}): Promise<void> {
  await withTestAdmin(
    brokers,
    async (admin) => {
      for (const topic of topics) {
        expect(await topicFacts(admin, topic.name), topic.name).toEqual({
          partitions: topic.partitions,
          replicationFactor: topic.replicationFactor,
          overrides: topic.config,
          messages: 0,
        });
      }
    },
    login,
  );
}

/**
 * Waits until each consumer group is stable with its number of members, each assigned a share of
 * the partitions: from then on every message has one member to go to.
 */
export async function untilGroupsConsuming(brokers: string, members: Record<string, number>, login: KafkaLogin = {}): Promise<void> {
  await until(`the consumer groups ${Object.keys(members).join(', ')} to be stable with their members`, () =>
    withTestAdmin(
      brokers,
      async (admin) => {
        const { groups } = await admin.describeGroups(Object.keys(members));
        for (const group of groups) {
          const assigned = group.members.filter((member) => member.memberAssignment.length > 0).length;
          if (group.state !== 'Stable' || assigned !== members[group.groupId]) {
            throw new NotYet(`${group.groupId} is ${group.state} with ${assigned} assigned member(s) of ${members[group.groupId]}`);
          }
        }
      },
      login,
    ),
  );
}
