// How the hooks reach PostgreSQL: as whom (a user and a mounted password file), under the hooks'
// retry policy, and, for a superuser, with a session that no other role can plant a function in.
import pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { readMountedFile, requireMountedFile } from '../lib/mounted-file.js';
import { retryOptions, retryUntil, type WaitSettings } from '../lib/retry.js';
import { readTlsFiles } from '../lib/tls.js';
import { classifyPostgresqlFailure } from './failures.js';
import { isScramSafe } from './scram.js';
import { connectionTls, tlsValues, type PostgresqlTls, type TlsMode } from './tls.js';

/** Where PostgreSQL is, how to speak TLS to it, and the application user, who owns the schema (the --postgresql-* options). */
export interface PostgresqlSettings extends WaitSettings {
  postgresqlHost: string;
  postgresqlPort: number;
  postgresqlDatabase: string;
  postgresqlUser: string;
  postgresqlPasswordFile: string;
  postgresqlPasswordSecret: string;
  postgresqlTlsMode: TlsMode;
  postgresqlTlsCaFile?: string | undefined;
  postgresqlTlsCertFile?: string | undefined;
  postgresqlTlsKeyFile?: string | undefined;
}

/** A superuser's login, for the parts that make roles (the --postgresql-admin-* options). */
export interface PostgresqlAdminSettings {
  postgresqlAdminUser: string;
  postgresqlAdminPasswordFile?: string | undefined;
  postgresqlAdminPasswordSecret: string;
}

/** Who a hook connects as: a user, the file of its password, and where that comes from. */
export interface PostgresqlIdentity {
  user: string;
  passwordFile: string;
  passwordSecret: string;
  /**
   * A superuser: its sessions resolve every name in the catalog first and never in a schema
   * another role can write to, so no function planted there runs with its rights.
   */
  privileged?: boolean;
}

/** The search_path of a privileged session: the catalog, then temporary objects last (as SECURITY DEFINER functions should). */
const privilegedSearchPath = 'pg_catalog, pg_temp';

/** The application user the settings name, the one most hooks connect as. */
const applicationUser = (settings: PostgresqlSettings): PostgresqlIdentity => ({
  user: settings.postgresqlUser,
  passwordFile: settings.postgresqlPasswordFile,
  passwordSecret: settings.postgresqlPasswordSecret,
});

/** The superuser, when its password is given: its sessions pin their search_path. */
export function adminIdentity(settings: PostgresqlAdminSettings): PostgresqlIdentity | undefined {
  const passwordFile = settings.postgresqlAdminPasswordFile;
  return passwordFile
    ? { user: settings.postgresqlAdminUser, passwordFile, passwordSecret: settings.postgresqlAdminPasswordSecret, privileged: true }
    : undefined;
}

/**
 * Runs `work` with a client connected as the application user (or `identity`), under the hooks'
 * retry policy: waiting for a database that is not ready, failing fast on what waiting cannot fix.
 */
export async function withDatabase<T>(
  settings: PostgresqlSettings,
  logger: Logger,
  what: string,
  work: (client: pg.Client) => Promise<T>,
  identity: PostgresqlIdentity = applicationUser(settings),
): Promise<T> {
  const password = await requireMountedFile({
    what: `the password file of PostgreSQL user ${identity.user}`,
    path: identity.passwordFile,
    from: identity.passwordSecret,
  });
  const tls = await tlsFiles(settings);
  const source = { user: identity.user, description: identity.passwordSecret };
  return retryUntil(
    () => withClient(settings, tls, identity, password, work),
    retryOptions(what, settings, logger, (error) => classifyPostgresqlFailure(error, source, { host: settings.postgresqlHost, tls })),
  );
}

/** The TLS mode and the PEM files it names, read once: a file that is not there is the values' mistake. */
async function tlsFiles(settings: PostgresqlSettings): Promise<PostgresqlTls> {
  const paths = { ca: settings.postgresqlTlsCaFile, cert: settings.postgresqlTlsCertFile, key: settings.postgresqlTlsKeyFile };
  return { mode: settings.postgresqlTlsMode, ...(await readTlsFiles('PostgreSQL', paths, tlsValues)) };
}

/**
 * Makes a part's role as the superuser, when there is one (`admin`): `make` gets the role's
 * password, which must be one the SCRAM verifier made here is right for. Undefined without it.
 */
export async function asSuperuser<T>(
  settings: PostgresqlSettings,
  logger: Logger,
  what: string,
  role: PostgresqlIdentity,
  admin: PostgresqlIdentity | undefined,
  make: (client: pg.Client, password: string) => Promise<T>,
): Promise<T | undefined> {
  if (!admin) return undefined;
  const password = await readMountedFile({ what: `the password of role ${role.user}`, path: role.passwordFile, from: role.passwordSecret });
  if (!password || !isScramSafe(password)) {
    throw new ActionableError(
      `the password of role ${role.user} (${role.passwordSecret}) is missing or not printable ASCII`,
      'the credentials hook generates one when the key is absent: delete the key, or set one of printable ASCII characters',
      [],
      ExitCode.invalidInput,
    );
  }
  return withDatabase(settings, logger, what, (client) => make(client, password), admin);
}

/**
 * Runs `check` connected as a role a part makes, which proves its password. Without the
 * superuser (`admin` undefined) whoever runs the database makes the role: a failure to connect
 * then adds `madeElsewhere`, which says where the SQL is.
 */
export async function asPartRole<T>(
  settings: PostgresqlSettings,
  logger: Logger,
  what: string,
  role: PostgresqlIdentity,
  admin: PostgresqlIdentity | undefined,
  madeElsewhere: string,
  check: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return withDatabase(settings, logger, what, check, role).catch((error: unknown) => {
    if (admin || !(error instanceof ActionableError)) throw error;
    throw new ActionableError(error.message, `${error.fix}; ${madeElsewhere}`, error.details, error.exitCode);
  });
}

/** Runs `work` with a connected client, and always closes it. */
async function withClient<T>(
  settings: PostgresqlSettings,
  tls: PostgresqlTls,
  identity: PostgresqlIdentity,
  password: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: settings.postgresqlHost,
    port: settings.postgresqlPort,
    database: settings.postgresqlDatabase,
    user: identity.user,
    password,
    connectionTimeoutMillis: 5_000,
    application_name: 'learnflow-hooks',
    ssl: connectionTls(settings.postgresqlHost, tls),
    // Set at connection start, before the first statement: nothing runs with the default path.
    ...(identity.privileged && { options: `-c search_path=${privilegedSearchPath.replace(' ', '')}` }),
  });
  // An error on an idle connection (the server restarting) must not crash the process; the
  // next query fails and the retry loop takes over.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
