import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../lib/logger.js';
import type { Admin, Kafka } from './kafkajs.js';

export interface RoundTripOptions {
  /** How long to wait for the message to come back once it is produced. */
  receiveTimeoutMs: number;
  logger: Logger;
}

/** Prefix of the temporary topic (its consumer group is learnflow-check-<id>); never a catalogue name. */
export const checkPrefix = 'learnflow.check.';

/**
 * Produces one message to a temporary topic and consumes it back with a fresh consumer group,
 * proving that clients can write and read. The topic and group are removed on every exit path,
 * and the catalogue's topics are not touched.
 */
export async function roundTrip(kafka: Kafka, admin: Admin, options: RoundTripOptions): Promise<{ elapsedMs: number; topic: string }> {
  const started = Date.now();
  const topic = await createTemporaryTopic(admin);
  const runId = topic.slice(checkPrefix.length);
  const groupId = `learnflow-check-${runId}`;
  try {
    await produceAndReceive(kafka, topic, groupId, runId, options);
    return { elapsedMs: Date.now() - started, topic };
  } finally {
    await removeTemporary(admin, { topic, groupId }, options.logger);
  }
}

/** Creates a topic for one check, named under checkPrefix; returns its name. */
export async function createTemporaryTopic(admin: Admin): Promise<string> {
  const topic = `${checkPrefix}${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

async function produceAndReceive(kafka: Kafka, topic: string, groupId: string, runId: string, options: RoundTripOptions): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: ({ message }) => {
            if (message.value?.toString() === runId) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await producer.send({ topic, acks: -1, messages: [{ key: 'learnflow-check', value: runId }] });
    const timedOut = sleep(options.receiveTimeoutMs, 'timeout' as const, { ref: false });
    if ((await Promise.race([received, timedOut])) === 'timeout') {
      throw Object.assign(new Error(`the message produced to ${topic} did not come back within ${options.receiveTimeoutMs} ms`), {
        name: 'KafkaJSTimeout',
      });
    }
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
}

/** Removes a check's temporary topic (and consumer group); what cannot be removed is logged, not thrown. */
export async function removeTemporary(
  admin: Admin,
  { topic, groupId }: { topic: string; groupId?: string },
  logger: Logger,
): Promise<void> {
  const results = await Promise.allSettled([admin.deleteTopics({ topics: [topic] }), ...(groupId ? [admin.deleteGroups([groupId])] : [])]);
  for (const result of results) {
    if (result.status === 'rejected' && !neverCreated(result.reason)) {
      logger.warn(
        { topic, groupId, err: result.reason },
        'could not remove the temporary check topic or group; it is safe to delete by hand',
      );
    }
  }
}

/** A consumer group that never committed an offset does not exist, which is what cleaning up wants. */
function neverCreated(error: unknown): boolean {
  const groups = (error as { groups?: { error?: { type?: unknown } }[] }).groups;
  return Array.isArray(groups) && groups.every((group) => group.error?.type === 'GROUP_ID_NOT_FOUND');
}
