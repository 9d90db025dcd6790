import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../lib/logger.js';
import { Kafka, logLevel, type Admin, type LogEntry, type SASLOptions } from './kafkajs.js';

export const saslMechanisms = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export interface SaslCredentials {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export interface KafkaConnection {
  /** host:port of one or more brokers. */
  brokers: readonly string[];
  clientId: string;
  /** For a SASL client listener; none for PLAINTEXT. */
  sasl?: SaslCredentials | undefined;
  /** For a TLS client listener (SASL_SSL): kafkajs names each broker as the server, so its certificate must name it. */
  ssl?: ConnectionOptions | undefined;
}

/**
 * A kafkajs client that fails fast and leaves waiting to the caller's bounded retry loop, so that
 * one time budget governs the whole hook.
 */
export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    // kafkajs types each mechanism apart; every one of ours takes a username and a password.
    ...(connection.sasl ? { sasl: { ...connection.sasl } as SASLOptions } : {}),
    ...(connection.ssl ? { ssl: connection.ssl } : {}),
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
