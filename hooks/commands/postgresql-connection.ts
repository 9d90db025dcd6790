// How the PostgreSQL commands connect, from their options (postgresql-options.ts).
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient, type PostgresqlConnection } from '../postgresql/connection.js';
import { classifyPostgresqlFailure } from '../postgresql/failures.js';
import { retryOptions, type CommonArgs } from './options.js';
import type { PostgresqlArgs } from './postgresql-options.js';

function connectionFrom(args: PostgresqlArgs): PostgresqlConnection {
  return {
    host: args.postgresqlHost,
    port: args.postgresqlPort,
    database: args.postgresqlDatabase,
    user: args.postgresqlUser,
    passwordFile: args.postgresqlPasswordFile,
    password: { user: args.postgresqlUser, description: args.postgresqlPasswordSecret },
  };
}

/**
 * Runs `work` with a client connected as the command's flags say, under the commands' retry
 * policy: waiting for a database that is not ready, failing fast on what waiting cannot fix.
 */
export async function withDatabase<T>(
  args: PostgresqlArgs & CommonArgs,
  logger: Logger,
  what: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const connection = connectionFrom(args);
  const password = await readPassword(connection);
  return retryUntil(
    () => withClient(connection, password, work),
    retryOptions(what, args, logger, (error) => classifyPostgresqlFailure(error, connection.password)),
  );
}
