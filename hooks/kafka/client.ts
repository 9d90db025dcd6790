import type { Logger } from '../lib/logger.js';
import { Kafka, logLevel, type Admin, type LogEntry } from './kafkajs.js';

export interface KafkaConnection {
  /** host:port of one or more brokers. */
  brokers: readonly string[];
  clientId: string;
}

/**
 * A kafkajs client that fails fast and leaves waiting to the caller's bounded retry loop, so that
 * one time budget governs the whole hook.
 */
export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    retry: { retries: 2, initialRetryTime: 250, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => forwardLog(logger, entry),
  });
}

/**
 * kafkajs reports every failed connection attempt as an error; the retry loop reports the same
 * failures once, classified, so kafkajs's own lines go to debug.
 */
function forwardLog(logger: Logger, { namespace, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _source, ...fields } = log;
  logger.debug({ kafkajs: namespace, ...fields }, message);
}

/** Runs `work` with a connected admin client, and always disconnects. */
export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
