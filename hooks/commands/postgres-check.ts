import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ActionableError } from '../../common/errors.js';
import { checkPostgres } from '../postgres/check.js';
import { commonOptions, runHook } from './options.js';
import { loadSeeds } from '../postgres/seeds.js';
import { withDatabase } from './postgres-connection.js';
import { migrationsOptions, postgresOptions, seedOptions } from './postgres-options.js';

const options = { ...commonOptions, ...postgresOptions, ...migrationsOptions, ...seedOptions };

export const postgresCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgres-check',
  describe: 'Verify the schema, migrations, seed data and write access as the application user (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const seeds = await loadSeeds(args.seedsDir, args.testUsers);
      const problems = await withDatabase(args, logger, 'checking PostgreSQL', (client) =>
        checkPostgres(client, { migrationsDir: args.migrationsDir, ...seeds }, logger),
      );
      if (problems.length > 0) {
        throw new ActionableError(
          `PostgreSQL is not as the chart sets it up: ${problems.join('; ')}`,
          'the reconcile hook Job sets it up: read its log (kubectl logs job/<release>-reconcile, lines with ' +
            '"part":"postgres-migrate" or "postgres-seed"), or run helm upgrade to run it again',
        );
      }
      logger.info('postgresql check passed');
    }),
};
