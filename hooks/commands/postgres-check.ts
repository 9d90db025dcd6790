import type { CommandModule, InferredOptionTypes } from 'yargs';
import { HookError } from '../lib/hook-error.js';
import { retryUntil } from '../lib/retry.js';
import { checkPostgres } from '../postgres/check.js';
import { readPassword, withClient } from '../postgres/connection.js';
import { classifyPostgresFailure } from '../postgres/failures.js';
import { commonOptions, retryOptions, runHook } from './options.js';
import { connectionFrom, loadSeeds, migrationsOptions, postgresOptions, seedOptions } from './postgres-options.js';

const options = { ...commonOptions, ...postgresOptions, ...migrationsOptions, ...seedOptions };

export const postgresCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgres-check',
  describe: 'Verify the schema, migrations, seed data and write access as the application user (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const connection = connectionFrom(args);
      const password = await readPassword(connection);
      const seeds = await loadSeeds(args.seedsDir, args.testUsers);
      const problems = await retryUntil(
        () => withClient(connection, password, (client) => checkPostgres(client, { migrationsDir: args.migrationsDir, ...seeds }, logger)),
        retryOptions('checking PostgreSQL', args, logger, (error) => classifyPostgresFailure(error, connection.password)),
      );
      if (problems.length > 0) {
        throw new HookError(
          `PostgreSQL is not as the chart sets it up: ${problems.join('; ')}`,
          'the postgres-migrate and postgres-seed hook Jobs set it up: read their logs (kubectl logs job/<release>-postgres-migrate), or run helm upgrade to run them again',
        );
      }
      logger.info('postgresql check passed');
    }),
};
