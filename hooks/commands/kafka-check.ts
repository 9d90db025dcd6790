import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ActionableError } from '../../common/errors.js';
import { observeTopics } from '../kafka/cluster.js';
import { describeChange, describeRefusal, planTopics } from '../kafka/plan.js';
import { roundTrip } from '../kafka/round-trip.js';
import { loadCatalogue } from '../kafka/catalogue.js';
import { withKafka } from './kafka-connection.js';
import { kafkaOptions } from './kafka-options.js';
import { commonOptions, runHook } from './options.js';

const options = { ...commonOptions, ...kafkaOptions };

export const kafkaCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-check',
  describe: 'Verify the catalogue topics and a produce/consume round trip (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const topics = await loadCatalogue(args.topicsFile);
      await withKafka(args, logger, 'learnflow-kafka-check', 'checking Kafka', async (admin, kafka) => {
        const plan = planTopics(
          topics,
          await observeTopics(
            admin,
            topics.map((topic) => topic.name),
          ),
        );
        const differences = [...plan.changes.map(describeChange), ...plan.refusals.map(describeRefusal)];
        if (differences.length > 0) {
          throw new ActionableError(
            `${differences.length} difference(s) between Kafka and the topic catalogue: ${differences.join('; ')}`,
            'the reconcile hook Job reconciles them: read its log (kubectl logs job/<release>-reconcile, ' +
              'lines with "part":"kafka-topics"), or run helm upgrade to run it again',
          );
        }
        logger.info(
          { check: 'topics', ok: true },
          `all ${topics.length} catalogue topics exist with the declared partitions, replication factor and configs`,
        );
        const { elapsedMs, topic } = await roundTrip(kafka, admin, { receiveTimeoutMs: 30_000, logger });
        logger.info({ check: 'round-trip', ok: true, elapsedMs, topic }, 'a message produced to a temporary topic was consumed back');
      });
      logger.info('kafka check passed');
    }),
};
