import type { CommandModule, InferredOptionTypes } from 'yargs';
import type { Logger } from '../lib/logger.js';
import { migrate } from '../postgresql/migrate.js';
import { commonOptions, runHook, type CommonArgs } from './options.js';
import { withDatabase } from './postgresql-connection.js';
import { migrationsOptions, postgresqlOptions, type PostgresqlArgs } from './postgresql-options.js';

const options = { ...commonOptions, ...postgresqlOptions, ...migrationsOptions };

export const postgresqlMigrateCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-migrate',
  describe: 'Apply the pending schema migrations (node-pg-migrate); concurrent runs wait for each other',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => migrateDatabase(args, logger)),
};

/** The migrations hook's work: every pending migration applied, in one transaction. */
export async function migrateDatabase(args: PostgresqlArgs & CommonArgs & { migrationsDir: string }, logger: Logger): Promise<void> {
  logger.info({ host: args.postgresqlHost, database: args.postgresqlDatabase, dir: args.migrationsDir }, 'migrating the database');
  const applied = await withDatabase(args, logger, 'migrating the database', (client) => migrate(client, args.migrationsDir, logger));
  logger.info(
    { applied },
    applied.length === 0 ? 'the schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
}
