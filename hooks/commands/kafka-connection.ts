// How the Kafka commands connect, from their options (kafka-options.ts).
import { readFile } from 'node:fs/promises';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { createKafka, withAdmin, type SaslCredentials } from '../kafka/client.js';
import { classifyKafkaFailure } from '../kafka/failures.js';
import type { Admin, Kafka } from '../kafka/kafkajs.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import type { KafkaArgs } from './kafka-options.js';
import { retryOptions } from './options.js';

/** The SASL credentials the options name, the password read from its file; none without a mechanism. */
export async function saslCredentials(args: KafkaArgs): Promise<SaslCredentials | undefined> {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPasswordFile: passwordFile } = args;
  if (!mechanism) return undefined;
  if (!username || !passwordFile) {
    throw new ActionableError(
      `--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-username and --kafka-sasl-password-file`,
      'the chart sets all three from kafka.sasl and its Secret',
      [],
      ExitCode.invalidInput,
    );
  }
  try {
    return { mechanism, username, password: (await readFile(passwordFile, 'utf8')).trim() };
  } catch (error) {
    throw new ActionableError(
      `cannot read the Kafka SASL password file ${passwordFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'the Job mounts it from the Secret of kafka.sasl.existingSecret: check that the Secret and its key exist',
      [],
      ExitCode.invalidInput,
    );
  }
}

/**
 * Runs `work` with a connected admin client (and the client, for producers and consumers), under
 * the commands' retry policy: waiting for brokers that are not ready, failing fast on what
 * waiting cannot fix.
 */
export async function withKafka<T>(
  args: KafkaArgs,
  logger: Logger,
  clientId: string,
  what: string,
  work: (admin: Admin, kafka: Kafka) => Promise<T>,
): Promise<T> {
  const kafka = createKafka({ brokers: args.kafkaBrokers, clientId, sasl: await saslCredentials(args) }, logger);
  return retryUntil(() => withAdmin(kafka, (admin) => work(admin, kafka)), retryOptions(what, args, logger, classifyKafkaFailure));
}
