// How the PostgreSQL commands connect, from their options (postgres-options.ts).
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient, type PostgresConnection } from '../postgres/connection.js';
import { classifyPostgresFailure } from '../postgres/failures.js';
import { retryOptions, type CommonArgs } from './options.js';
import type { PostgresArgs } from './postgres-options.js';

function connectionFrom(args: PostgresArgs): PostgresConnection {
  return {
    host: args.postgresHost,
    port: args.postgresPort,
    database: args.postgresDatabase,
    user: args.postgresUser,
    passwordFile: args.postgresPasswordFile,
    password: { user: args.postgresUser, description: args.postgresPasswordSecret },
  };
}

/**
 * Runs `work` with a client connected as the command's flags say, under the commands' retry
 * policy: waiting for a database that is not ready, failing fast on what waiting cannot fix.
 */
export async function withDatabase<T>(
  args: PostgresArgs & CommonArgs,
  logger: Logger,
  what: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const connection = connectionFrom(args);
  const password = await readPassword(connection);
  return retryUntil(
    () => withClient(connection, password, work),
    retryOptions(what, args, logger, (error) => classifyPostgresFailure(error, connection.password)),
  );
}
