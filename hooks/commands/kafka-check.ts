import type { CommandModule, InferredOptionTypes } from 'yargs';
import { HookError } from '../lib/hook-error.js';
import { retryUntil } from '../lib/retry.js';
import { createKafka, withAdmin } from '../kafka/client.js';
import { observeTopics } from '../kafka/cluster.js';
import { classifyKafkaFailure } from '../kafka/failures.js';
import { describeChange, describeRefusal, planTopics } from '../kafka/plan.js';
import { roundTrip } from '../kafka/round-trip.js';
import { commonOptions, kafkaOptions, loadCatalogue, retryOptions, runHook } from './options.js';

const options = { ...commonOptions, ...kafkaOptions };

export const kafkaCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-check',
  describe: 'Verify the catalogue topics and a produce/consume round trip (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const topics = await loadCatalogue(args.topicsFile);
      const kafka = createKafka({ brokers: args.kafkaBrokers, clientId: 'learnflow-kafka-check' }, logger);
      await retryUntil(
        () =>
          withAdmin(kafka, async (admin) => {
            const plan = planTopics(topics, await observeTopics(admin, topics.map((topic) => topic.name)));
            const differences = [...plan.changes.map(describeChange), ...plan.refusals.map(describeRefusal)];
            if (differences.length > 0) {
              throw new HookError(
                `${differences.length} difference(s) between Kafka and the topic catalogue: ${differences.join('; ')}`,
                'the kafka-topics hook Job reconciles them: read its log (kubectl logs job/<release>-kafka-topics), or run helm upgrade to run it again',
              );
            }
            logger.info({ check: 'topics', ok: true }, `all ${topics.length} catalogue topics exist with the declared partitions, replication factor and configs`);
            const { elapsedMs } = await roundTrip(kafka, admin, { receiveTimeoutMs: 30_000, logger });
            logger.info({ check: 'round-trip', ok: true, elapsedMs }, 'a message produced to a temporary topic was consumed back');
          }),
        retryOptions('checking Kafka', args, logger, classifyKafkaFailure),
      );
      logger.info('kafka check passed');
    }),
};
