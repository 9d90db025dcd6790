import type { CommandModule, InferredOptionTypes } from 'yargs';
import { reconcileStatestore } from '../dapr/statestore.js';
import { statestoreOptions } from './dapr-options.js';
import { commonOptions } from './options.js';
import { postgresqlAdminOptions, postgresqlOptions } from './postgresql-options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...postgresqlOptions, ...statestoreOptions, ...postgresqlAdminOptions };

export const daprStatestoreCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'dapr-statestore',
  describe: 'Give the Dapr state store its own role and schema (as a superuser), or check the ones made for it; state in public is moved',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileStatestore(args, logger)),
};
