import type { CommandModule, InferredOptionTypes } from 'yargs';
import { checkDapr } from '../dapr/check.js';
import { daprCheckOptions } from './dapr-options.js';
import { kafkaConnectionOptions } from './kafka-options.js';
import { commonOptions } from './options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...kafkaConnectionOptions, ...daprCheckOptions };

export const daprCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'dapr-check',
  describe: 'Verify the Dapr sidecar, both components, a state round trip and a pub/sub round trip (helm test Job)',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => checkDapr(args, logger)),
};
