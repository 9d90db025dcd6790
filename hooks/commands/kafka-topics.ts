import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { reconcileKafkaTopics } from '../kafka/topics.js';
import { kafkaAclOptions, kafkaOptions, topicStateOptions } from './kafka-options.js';
import { kubernetesOptions } from './kubernetes-options.js';
import { commonOptions } from './options.js';
import { runHook } from './run.js';

const options = {
  ...commonOptions,
  ...kafkaOptions,
  ...topicStateOptions,
  ...kafkaAclOptions,
  ...kubernetesOptions,
  'dry-run': { type: 'boolean', default: false, describe: 'Print the plan and change nothing' },
} as const satisfies Record<string, Options>;

export const kafkaTopicsCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-topics',
  describe:
    'Create the catalogue topics, grow partitions and correct configs, reset the keys it set that the catalogue dropped; never deletes',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileKafkaTopics(args, logger)),
};
