import type { CommandModule, InferredOptionTypes } from 'yargs';
import { migrateDatabase } from '../postgresql/migrate.js';
import { commonOptions } from './options.js';
import { migrationsOptions, postgresqlOptions } from './postgresql-options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...postgresqlOptions, ...migrationsOptions };

export const postgresqlMigrateCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-migrate',
  describe: 'Apply the pending schema migrations (node-pg-migrate); concurrent runs wait for each other',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => migrateDatabase(args, logger)),
};
