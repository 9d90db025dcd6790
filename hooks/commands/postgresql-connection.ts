// How the PostgreSQL commands connect, from their options (postgresql-options.ts).
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient, type PostgresqlConnection } from '../postgresql/connection.js';
import { classifyPostgresqlFailure } from '../postgresql/failures.js';
import { retryOptions, type CommonArgs } from './options.js';
import type { PostgresqlArgs } from './postgresql-options.js';

/** Who a command connects as: a user, the file of its password, and where that comes from. */
export interface PostgresqlIdentity {
  user: string;
  passwordFile: string;
  passwordSecret: string;
}

/** The application user the flags name, the one most commands connect as. */
const applicationUser = (args: PostgresqlArgs): PostgresqlIdentity => ({
  user: args.postgresqlUser,
  passwordFile: args.postgresqlPasswordFile,
  passwordSecret: args.postgresqlPasswordSecret,
});

function connectionFrom(args: PostgresqlArgs, identity: PostgresqlIdentity): PostgresqlConnection {
  return {
    host: args.postgresqlHost,
    port: args.postgresqlPort,
    database: args.postgresqlDatabase,
    user: identity.user,
    passwordFile: identity.passwordFile,
    password: { user: identity.user, description: identity.passwordSecret },
  };
}

/**
 * Runs `work` with a client connected as the command's flags say (as the application user,
 * unless `identity` names another), under the commands' retry policy: waiting for a database that
 * is not ready, failing fast on what waiting cannot fix.
 */
export async function withDatabase<T>(
  args: PostgresqlArgs & CommonArgs,
  logger: Logger,
  what: string,
  work: (client: pg.Client) => Promise<T>,
  identity: PostgresqlIdentity = applicationUser(args),
): Promise<T> {
  const connection = connectionFrom(args, identity);
  const password = await readPassword(connection);
  return retryUntil(
    () => withClient(connection, password, work),
    retryOptions(what, args, logger, (error) => classifyPostgresqlFailure(error, connection.password)),
  );
}
