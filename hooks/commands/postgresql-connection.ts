// How the PostgreSQL commands connect, from their options (postgresql-options.ts).
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient, type PostgresqlConnection } from '../postgresql/connection.js';
import { classifyPostgresqlFailure } from '../postgresql/failures.js';
import { isScramSafe } from '../postgresql/scram.js';
import { retryOptions, type CommonArgs } from './options.js';
import type { PostgresqlArgs } from './postgresql-options.js';

/** Who a command connects as: a user, the file of its password, and where that comes from. */
export interface PostgresqlIdentity {
  user: string;
  passwordFile: string;
  passwordSecret: string;
  /** A superuser, whose sessions pin their search_path (connection.ts). */
  privileged?: boolean;
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
    ...(identity.privileged && { privileged: true }),
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

/** The superuser options of the parts that make roles (postgresqlAdminOptions). */
export interface PostgresqlAdminArgs {
  postgresqlAdminUser: string;
  postgresqlAdminPasswordFile?: string | undefined;
  postgresqlAdminPasswordSecret: string;
}

/** The superuser, when its password is given: its sessions pin their search_path. */
export function adminIdentity(args: PostgresqlAdminArgs): PostgresqlIdentity | undefined {
  const passwordFile = args.postgresqlAdminPasswordFile;
  return passwordFile
    ? { user: args.postgresqlAdminUser, passwordFile, passwordSecret: args.postgresqlAdminPasswordSecret, privileged: true }
    : undefined;
}

/** The password a role made here gets, which must be one the SCRAM verifier made here is right for. */
export async function rolePassword(identity: PostgresqlIdentity, what: string): Promise<string> {
  const password = (await readFile(identity.passwordFile, 'utf8').catch(() => '')).trim();
  if (!isScramSafe(password)) {
    throw new ActionableError(
      `${what} (${identity.passwordSecret}) is missing or not printable ASCII`,
      'the credentials hook generates one when the key is absent: delete the key, or set one of printable ASCII characters',
      [],
      ExitCode.invalidInput,
    );
  }
  return password;
}

/**
 * Runs `check` connected as a role a part makes, which proves its password. Without the
 * superuser (`admin` undefined) whoever runs the database makes the role: a failure to connect
 * then adds `madeElsewhere`, which says where the SQL is.
 */
export async function asPartRole<T>(
  args: PostgresqlArgs & CommonArgs,
  logger: Logger,
  what: string,
  role: PostgresqlIdentity,
  admin: PostgresqlIdentity | undefined,
  madeElsewhere: string,
  check: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return withDatabase(args, logger, what, check, role).catch((error: unknown) => {
    if (admin || !(error instanceof ActionableError)) throw error;
    throw new ActionableError(error.message, `${error.fix}; ${madeElsewhere}`, error.details, error.exitCode);
  });
}
