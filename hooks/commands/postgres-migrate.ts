import type { CommandModule, InferredOptionTypes } from 'yargs';
import type { Logger } from '../lib/logger.js';
import { migrate } from '../postgres/migrate.js';
import { commonOptions, runHook, type CommonArgs } from './options.js';
import { withDatabase } from './postgres-connection.js';
import { migrationsOptions, postgresOptions, type PostgresArgs } from './postgres-options.js';

const options = { ...commonOptions, ...postgresOptions, ...migrationsOptions };

export const postgresMigrateCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgres-migrate',
  describe: 'Apply the pending schema migrations (node-pg-migrate); concurrent runs wait for each other',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => migrateDatabase(args, logger)),
};

/** The migrations hook's work: every pending migration applied, in one transaction. */
export async function migrateDatabase(args: PostgresArgs & CommonArgs & { migrationsDir: string }, logger: Logger): Promise<void> {
  logger.info({ host: args.postgresHost, database: args.postgresDatabase, dir: args.migrationsDir }, 'migrating the database');
  const applied = await withDatabase(args, logger, 'migrating the database', (client) => migrate(client, args.migrationsDir, logger));
  logger.info(
    { applied },
    applied.length === 0 ? 'the schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
}
