import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { runCli } from './cli.js';
import { postgresqlServerScript } from './paths.js';
import { freePorts } from './ports.js';
import { runOk } from './process.js';
import type { Certificate } from './tls.js';
import { waitUntil } from './wait.js';

export interface PostgresqlAddress {
  host: string;
  port: number;
  superuserPassword: string;
  /** How the test's own sessions speak TLS, once the server requires it (not verified: the hooks' side is what is tested). */
  ssl?: ConnectionOptions;
}

/** A real PostgreSQL started by scripts/harness/postgresql-server.sh. */
export class PostgresqlServer {
  private constructor(
    readonly name: string,
    readonly port: number,
    /** Where it listens: 127.0.0.1, or the test node's address for its Pods. */
    readonly host: string,
  ) {}

  static async allocate(label: string, host = '127.0.0.1'): Promise<PostgresqlServer> {
    return new PostgresqlServer(`${label}-${process.pid}-${Date.now() % 100_000}`, await freePorts(1), host);
  }

  static async start(label: string, host?: string): Promise<PostgresqlServer> {
    const server = await PostgresqlServer.allocate(label, host);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    await runOk('bash', [postgresqlServerScript, 'start', this.name, String(this.port), this.host]);
  }

  async stop(): Promise<void> {
    await runOk('bash', [postgresqlServerScript, 'stop', this.name]);
  }

  async delete(): Promise<void> {
    await runOk('bash', [postgresqlServerScript, 'delete', this.name]);
  }

  private ssl: ConnectionOptions | undefined;

  private get dir(): string {
    return join(process.env['LEARNFLOW_STATE'] ?? join(tmpdir(), 'learnflow-infra'), 'postgresql', this.name);
  }

  async address(): Promise<PostgresqlAddress> {
    const superuserPassword = (await readFile(join(this.dir, 'superuser.password'), 'utf8')).trim();
    return { host: this.host, port: this.port, superuserPassword, ...(this.ssl && { ssl: this.ssl }) };
  }

  /**
   * Turns TLS on and admits TLS connections only, as a managed PostgreSQL does: the server shows
   * `certificate`, trusts `clientCa` for client certificates, and pg_hba.conf holds `rules` (each
   * `hostssl DATABASE USER METHOD [OPTIONS]`, without the address) before the catch-all
   * `hostssl all all scram-sha-256`. Done by the superuser and a reload, as an operator would.
   */
  async requireTls(certificate: Certificate, clientCa: Certificate, rules: readonly string[] = []): Promise<void> {
    const owner = await stat(join(this.dir, 'data'));
    const tls = join(this.dir, 'tls');
    await mkdir(tls, { recursive: true });
    const files = { 'server.crt': certificate.cert, 'server.key': certificate.key, 'ca.crt': clientCa.cert };
    for (const [file, content] of Object.entries(files)) {
      await writeFile(join(tls, file), content);
      // PostgreSQL refuses a key others can read.
      await chmod(join(tls, file), 0o600);
      await chown(join(tls, file), owner.uid, owner.gid);
    }
    const hba = join(this.dir, 'data', 'pg_hba.conf');
    const local = (await readFile(hba, 'utf8')).split('\n').filter((line) => line.startsWith('local'));
    const network = this.host === '127.0.0.1' ? '127.0.0.1/32' : `${this.host.replace(/\.\d+$/, '')}.0/24`;
    const remote = [...rules, 'hostssl all all scram-sha-256'].map((rule) => rule.replace(/^(\S+ \S+ \S+) /, `$1 ${network} `));
    const address = await this.address();
    await asSuperuser(address, async (client) => {
      for (const [setting, value] of Object.entries({
        ssl: 'on',
        ssl_cert_file: 'server.crt',
        ssl_key_file: 'server.key',
        ssl_ca_file: 'ca.crt',
      })) {
        await client.query(`ALTER SYSTEM SET ${setting} = '${setting === 'ssl' ? value : join(tls, value)}'`);
      }
      await writeFile(hba, [...local, ...remote, ''].join('\n'));
      await client.query('SELECT pg_reload_conf()');
    });
    const ssl = { rejectUnauthorized: false };
    this.ssl = ssl;
    // The reload is the server's to finish: a session over TLS that the server says is TLS.
    await waitUntil(`PostgreSQL ${this.name} to require TLS`, () =>
      asSuperuser({ ...address, ssl }, async (client) => {
        const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        return rows[0]?.ssl === true;
      }).catch(() => false),
    );
  }
}

export interface TestDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The password in a file, as the Jobs get it from the mounted Secret. */
  passwordFile: string;
  /** The hooks program's connection flags for this database. */
  flags: string[];
  /** As PostgresqlAddress.ssl. */
  ssl?: ConnectionOptions;
}

/** A new, empty database owned by a new user, as the postgresql chart creates them. */
export async function freshDatabase(server: PostgresqlAddress): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const database = `learnflow_${suffix}`;
  const user = `learnflow_${suffix}`;
  const password = randomBytes(12).toString('base64url');
  await asSuperuser(server, async (client) => {
    await client.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await client.query(`CREATE DATABASE ${database} OWNER ${user}`);
  });
  const passwordFile = join(await mkdtemp(join(tmpdir(), 'learnflow-pg-')), 'password');
  await writeFile(passwordFile, password);
  return {
    host: server.host,
    port: server.port,
    ...(server.ssl && { ssl: server.ssl }),
    database,
    user,
    password,
    passwordFile,
    flags: [
      '--postgresql-host',
      server.host,
      '--postgresql-port',
      String(server.port),
      '--postgresql-database',
      database,
      '--postgresql-user',
      user,
      '--postgresql-password-file',
      passwordFile,
    ],
  };
}

/** A client, not yet connected, of the superuser postgres to `database`. */
export function superuserClient(server: PostgresqlAddress, database = 'postgres'): pg.Client {
  const { host, port, ssl } = server;
  return new pg.Client({ host, port, user: 'postgres', password: server.superuserPassword, database, ...(ssl && { ssl }) });
}

export async function asSuperuser<T>(
  server: PostgresqlAddress,
  work: (client: pg.Client) => Promise<T>,
  database = 'postgres',
): Promise<T> {
  const client = superuserClient(server, database);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` connected to a test database as its owner, or as the role `as` names (as a service or Dapr connects). */
export async function withDatabase<T>(
  db: TestDatabase,
  work: (client: pg.Client) => Promise<T>,
  as: { user: string; password: string } = db,
): Promise<T> {
  const { host, port, database, ssl } = db;
  const client = new pg.Client({ host, port, user: as.user, password: as.password, database, ...(ssl && { ssl }) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Test users' passwords, as the credentials Secret's keys mounted as files. */
export async function credentialsDir(passwords: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'learnflow-credentials-'));
  for (const [key, value] of Object.entries(passwords)) await writeFile(join(dir, key), value);
  return dir;
}

/** A role a part makes for a test database (the Dapr state store's, the services'): its name, its password and the part's flags. */
export interface TestPartRole {
  role: string;
  password: string;
  /** The part's flags for the database and the role, without the superuser's. */
  flags: string[];
  /** The superuser's flags, with which the part makes the role instead of checking it. */
  adminFlags: string[];
}

/**
 * A role a part makes for a test database, named with `prefix` and the database's suffix (roles
 * are per server), its password in a file as the Secret's `key`, beside the superuser's.
 */
async function partRoleFor(server: PostgresqlAddress, db: TestDatabase, prefix: string, key: string) {
  const role = `${prefix}_${db.database.replace(/^learnflow_/, '')}`;
  const password = randomBytes(12).toString('base64url');
  const dir = await credentialsDir({ [key]: password, 'postgres-password': server.superuserPassword });
  return { role, password, passwordFile: join(dir, key), adminFlags: ['--postgresql-admin-password-file', join(dir, 'postgres-password')] };
}

export async function statestoreFor(server: PostgresqlAddress, db: TestDatabase): Promise<TestPartRole> {
  const { role, password, passwordFile, adminFlags } = await partRoleFor(server, db, 'dapr', 'dapr-password');
  return { role, password, flags: [...db.flags, '--statestore-user', role, '--statestore-password-file', passwordFile], adminFlags };
}

/** The services' role for a test database. */
export async function servicesRoleFor(server: PostgresqlAddress, db: TestDatabase): Promise<TestPartRole> {
  const { role, password, passwordFile, adminFlags } = await partRoleFor(server, db, 'services', 'services-password');
  return { role, password, flags: [...db.flags, '--services-user', role, '--services-password-file', passwordFile], adminFlags };
}

/** The store's role and schema made by the reconcile hook's part, as the superuser, as with this release's PostgreSQL. */
export async function madeStatestore(server: PostgresqlAddress, db: TestDatabase): Promise<TestPartRole> {
  const store = await statestoreFor(server, db);
  const made = await runCli(['dapr-statestore', ...store.flags, ...store.adminFlags, '--timeout', '10']);
  if (made.code !== 0) throw new Error(`making the Dapr state store failed:\n${made.stdout}`);
  return store;
}
