import type { CommandModule, InferredOptionTypes } from 'yargs';
import { checkKafka } from '../kafka/check.js';
import { kafkaOptions } from './kafka-options.js';
import { commonOptions } from './options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...kafkaOptions };

export const kafkaCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-check',
  describe: 'Verify the catalogue topics and a produce/consume round trip (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => checkKafka(args, logger)),
};
