import { readFile } from 'node:fs/promises';
import type { Options } from 'yargs';
import { parseCatalogue, type TopicSpec } from '../kafka/catalogue.js';
import { createKafka, withAdmin } from '../kafka/client.js';
import { classifyKafkaFailure } from '../kafka/failures.js';
import type { Admin, Kafka } from '../kafka/kafkajs.js';
import { ExitCode, HookError } from '../lib/hook-error.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { retryOptions, type CommonArgs } from './options.js';

export const kafkaOptions = {
  'kafka-brokers': {
    type: 'string',
    demandOption: true,
    describe: 'Bootstrap brokers, comma-separated host:port',
    coerce: (value: string) => value.split(',').map((broker) => broker.trim()).filter(Boolean),
  },
  'topics-file': { type: 'string', demandOption: true, describe: 'The topic catalogue (JSON) that the chart mounts' },
} as const satisfies Record<string, Options>;

interface KafkaArgs extends CommonArgs {
  kafkaBrokers: string[];
}

/**
 * Runs `work` with a connected admin client (and the client, for producers and consumers), under
 * the commands' retry policy: waiting for brokers that are not ready, failing fast on what
 * waiting cannot fix.
 */
export function withKafka<T>(args: KafkaArgs, logger: Logger, clientId: string, what: string, work: (admin: Admin, kafka: Kafka) => Promise<T>): Promise<T> {
  const kafka = createKafka({ brokers: args.kafkaBrokers, clientId }, logger);
  return retryUntil(() => withAdmin(kafka, (admin) => work(admin, kafka)), retryOptions(what, args, logger, classifyKafkaFailure));
}

export async function loadCatalogue(path: string): Promise<TopicSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HookError(
      `cannot read the topic catalogue ${path}: ${(error as Error).message}`,
      "the Job mounts it from the chart's kafka-topics ConfigMap; outside the cluster, pass --topics-file",
      ExitCode.invalidInput,
    );
  }
  return parseCatalogue(text, path);
}
