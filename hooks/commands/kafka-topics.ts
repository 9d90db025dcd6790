import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { describeChange } from '../kafka/plan.js';
import { reconcileTopics } from '../kafka/reconcile.js';
import type { Logger } from '../lib/logger.js';
import { loadCatalogue } from '../kafka/catalogue.js';
import { withKafka } from './kafka-connection.js';
import { kafkaOptions, type KafkaArgs } from './kafka-options.js';
import { commonOptions, runHook } from './options.js';

const options = {
  ...commonOptions,
  ...kafkaOptions,
  'dry-run': { type: 'boolean', default: false, describe: 'Print the plan and change nothing' },
} as const satisfies Record<string, Options>;

export const kafkaTopicsCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-topics',
  describe: 'Create the catalogue topics, grow partitions and correct configs; never deletes anything',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileKafkaTopics(args, logger)),
};

/** The topic hook's work: the catalogue made true in Kafka (or, with dryRun, the plan logged). */
export async function reconcileKafkaTopics(args: KafkaArgs & { topicsFile: string; dryRun: boolean }, logger: Logger): Promise<void> {
  const topics = await loadCatalogue(args.topicsFile);
  logger.info({ brokers: args.kafkaBrokers, topics: topics.length, dryRun: args.dryRun }, 'reconciling Kafka topics');
  const { plan, applied } = await withKafka(args, logger, 'learnflow-kafka-topics', 'reconciling Kafka topics', (admin) =>
    reconcileTopics(admin, topics, { dryRun: args.dryRun, logger }),
  );
  if (args.dryRun) {
    for (const change of plan.changes) logger.info({ planned: change.kind }, `would ${describeChange(change)}`);
    logger.info(
      { changes: plan.changes.length, inSync: plan.inSync.length },
      `dry run: ${plan.changes.length} change(s) planned, nothing applied`,
    );
    return;
  }
  logger.info(
    { applied: applied.length, inSync: plan.inSync.length },
    `all ${topics.length} catalogue topics match: ${applied.length} change(s) applied, ${plan.inSync.length} topic(s) were already in sync`,
  );
}
