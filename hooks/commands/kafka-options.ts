import { readFile } from 'node:fs/promises';
import type { Options } from 'yargs';
import { parseCatalogue, type TopicSpec } from '../kafka/catalogue.js';
import { createKafka, saslMechanisms, withAdmin, type SaslCredentials, type SaslMechanism } from '../kafka/client.js';
import { classifyKafkaFailure } from '../kafka/failures.js';
import type { Admin, Kafka } from '../kafka/kafkajs.js';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { retryOptions, type CommonArgs } from './options.js';

/** How to reach Kafka: every command that talks to it takes these. */
export const kafkaConnectionOptions = {
  'kafka-brokers': {
    type: 'string',
    demandOption: true,
    describe: 'Bootstrap brokers, comma-separated host:port',
    coerce: (value: string) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
  },
  'kafka-sasl-mechanism': { choices: saslMechanisms, describe: 'SASL mechanism of the client listener (none: PLAINTEXT)' },
  'kafka-sasl-username': { type: 'string', describe: 'SASL user' },
  'kafka-sasl-password-file': {
    type: 'string',
    describe: 'File holding the SASL password (the chart mounts it from a Secret; never a flag, which would show in the process list)',
  },
} as const satisfies Record<string, Options>;

/** The topic commands': the connection and the catalogue. */
export const kafkaOptions = {
  ...kafkaConnectionOptions,
  'topics-file': { type: 'string', demandOption: true, describe: 'The topic catalogue (JSON) that the chart mounts' },
} as const satisfies Record<string, Options>;

export interface KafkaArgs extends CommonArgs {
  kafkaBrokers: string[];
  kafkaSaslMechanism?: SaslMechanism | undefined;
  kafkaSaslUsername?: string | undefined;
  kafkaSaslPasswordFile?: string | undefined;
}

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

export async function loadCatalogue(path: string): Promise<TopicSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ActionableError(
      `cannot read the topic catalogue ${path}: ${(error as Error).message}`,
      "the Job mounts it from the chart's kafka-topics ConfigMap; outside the cluster, pass --topics-file",
      [],
      ExitCode.invalidInput,
    );
  }
  return parseCatalogue(text, path);
}
