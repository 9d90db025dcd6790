import type { CommandModule, InferredOptionTypes } from 'yargs';
import { checkPostgresql } from '../postgresql/check.js';
import { commonOptions } from './options.js';
import { migrationsOptions, postgresqlOptions, seedOptions } from './postgresql-options.js';
import { runHook } from './run.js';

const options = { ...commonOptions, ...postgresqlOptions, ...migrationsOptions, ...seedOptions };

export const postgresqlCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-check',
  describe: 'Verify the schema, migrations, seed data and write access as the application user (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => checkPostgresql(args, logger)),
};
