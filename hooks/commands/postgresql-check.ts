import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ActionableError } from '../../common/errors.js';
import { checkPostgresql } from '../postgresql/check.js';
import { commonOptions, runHook } from './options.js';
import { loadSeeds } from '../postgresql/seeds.js';
import { withDatabase } from './postgresql-connection.js';
import { migrationsOptions, postgresqlOptions, seedOptions } from './postgresql-options.js';

const options = { ...commonOptions, ...postgresqlOptions, ...migrationsOptions, ...seedOptions };

export const postgresqlCheckCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-check',
  describe: 'Verify the schema, migrations, seed data and write access as the application user (helm test)',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const seeds = await loadSeeds(args.seedsDir, args.testUsers);
      const problems = await withDatabase(args, logger, 'checking PostgreSQL', (client) =>
        checkPostgresql(client, { migrationsDir: args.migrationsDir, ...seeds }, logger),
      );
      if (problems.length > 0) {
        throw new ActionableError(
          `PostgreSQL is not as the chart sets it up: ${problems.join('; ')}`,
          'the reconcile hook Job sets it up: read its log (kubectl logs job/<release>-reconcile, lines with ' +
            '"part":"postgresql-migrate" or "postgresql-seed"), or run helm upgrade to run it again',
        );
      }
      logger.info('postgresql check passed');
    }),
};
