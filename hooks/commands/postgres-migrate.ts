import type { CommandModule, InferredOptionTypes } from 'yargs';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient } from '../postgres/connection.js';
import { classifyPostgresFailure } from '../postgres/failures.js';
import { migrate } from '../postgres/migrate.js';
import { commonOptions, retryOptions, runHook } from './options.js';
import { connectionFrom, migrationsOptions, postgresOptions } from './postgres-options.js';

const options = { ...commonOptions, ...postgresOptions, ...migrationsOptions };

export const postgresMigrateCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgres-migrate',
  describe: 'Apply the pending schema migrations (node-pg-migrate); concurrent runs wait for each other',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const connection = connectionFrom(args);
      const password = await readPassword(connection);
      logger.info({ host: connection.host, database: connection.database, dir: args.migrationsDir }, 'migrating the database');
      const applied = await retryUntil(
        () => withClient(connection, password, (client) => migrate(client, args.migrationsDir, logger)),
        retryOptions('migrating the database', args, logger, (error) => classifyPostgresFailure(error, connection.password)),
      );
      logger.info({ applied }, applied.length === 0 ? 'the schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`);
    }),
};
