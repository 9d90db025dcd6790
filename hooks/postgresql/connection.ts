import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { PasswordSource } from './failures.js';

export interface PostgresqlConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  /** A file holding the password, as a mounted Secret key provides it. */
  passwordFile: string;
  password: PasswordSource;
  /**
   * A superuser: its sessions resolve every name in the catalog first and never in a schema
   * another role can write to, so no function planted there runs with its rights.
   */
  privileged?: boolean;
}

/** The search_path of a privileged session: the catalog, then temporary objects last (as SECURITY DEFINER functions should). */
export const privilegedSearchPath = 'pg_catalog, pg_temp';

export async function readPassword(connection: PostgresqlConnection): Promise<string> {
  try {
    return (await readFile(connection.passwordFile, 'utf8')).trim();
  } catch (error) {
    throw new ActionableError(
      `cannot read the database password from ${connection.passwordFile}: ${(error as Error).message}`,
      `the Job mounts it from ${connection.password.description}: check that the Secret exists and has that key`,
      [],
      ExitCode.invalidInput,
    );
  }
}

/** Runs `work` with a connected client, and always closes it. */
export async function withClient<T>(
  connection: PostgresqlConnection,
  password: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password,
    connectionTimeoutMillis: 5_000,
    application_name: 'learnflow-hooks',
    // Set at connection start, before the first statement: nothing runs with the default path.
    ...(connection.privileged && { options: `-c search_path=${privilegedSearchPath.replace(' ', '')}` }),
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
