import type { CommandModule, InferredOptionTypes } from 'yargs';
import { seedDatabase } from '../postgresql/seed.js';
import { commonOptions } from './options.js';
import { postgresqlOptions, postgresqlSeedOptions } from './postgresql-options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...postgresqlOptions, ...postgresqlSeedOptions };

export const postgresqlSeedCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-seed',
  describe: 'Upsert the curriculum topics and the test users; any number of runs leaves one row each',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => seedDatabase(args, logger)),
};
