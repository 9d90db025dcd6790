import { fileURLToPath } from 'node:url';
import type { Options } from 'yargs';
import { tlsModes, type TlsMode } from '../postgresql/tls.js';

/** A folder shipped beside the compiled program (the chart mounts its own copies instead). */
const besideProgram = (folder: string) => fileURLToPath(new URL(`../../../${folder}`, import.meta.url));

/** Where PostgreSQL is and the application user (PostgresqlSettings). */
export const postgresqlOptions = {
  'postgresql-host': { type: 'string', demandOption: true, describe: 'PostgreSQL host' },
  'postgresql-port': { type: 'number', default: 5432, describe: 'PostgreSQL port' },
  'postgresql-database': { type: 'string', default: 'learnflow', describe: 'Database' },
  'postgresql-user': { type: 'string', default: 'learnflow', describe: 'User (the application user, owner of the schema)' },
  'postgresql-password-file': { type: 'string', demandOption: true, describe: "File holding the user's password (a mounted Secret key)" },
  'postgresql-password-secret': {
    type: 'string',
    default: 'the password file',
    describe: 'Where the password comes from, named in error messages ("Secret learnflow-credentials, key password")',
  },
  'postgresql-tls-mode': {
    choices: tlsModes,
    default: 'disable' as TlsMode,
    describe: "TLS as libpq's sslmode: verify-full checks the server's certificate and its name",
  },
  'postgresql-tls-ca-file': {
    type: 'string',
    describe: "PEM file of the CA that signs the server's certificate (default: Node's trusted roots)",
  },
  'postgresql-tls-cert-file': { type: 'string', describe: 'PEM file of a client certificate, for a server that requires one' },
  'postgresql-tls-key-file': { type: 'string', describe: "PEM file of the client certificate's key" },
} as const satisfies Record<string, Options>;

export const migrationsOptions = {
  'migrations-dir': { type: 'string', default: besideProgram('migrations'), describe: 'Folder of node-pg-migrate migrations' },
} as const satisfies Record<string, Options>;

export const seedOptions = {
  'seeds-dir': { type: 'string', default: besideProgram('seeds'), describe: 'Folder of the seed files (topics.json, test-users.json)' },
  'test-users': { type: 'boolean', default: false, describe: 'Seed (or expect) the test users: for development and tests' },
} as const satisfies Record<string, Options>;

export const postgresqlSeedOptions = {
  ...seedOptions,
  'credentials-dir': { type: 'string', describe: "Folder of the credentials Secret's keys, one file each (the test users' passwords)" },
} as const satisfies Record<string, Options>;

export const servicesRoleOptions = {
  'services-user': {
    type: 'string',
    default: 'learnflow_services',
    describe: "The services' role: rows of the platform's tables, nothing else",
  },
  'services-password-file': { type: 'string', demandOption: true, describe: "File holding the role's password" },
  'services-password-secret': {
    type: 'string',
    default: 'the password file',
    describe: 'Where that password comes from, named in error messages',
  },
} as const satisfies Record<string, Options>;

/** A superuser's login, with which the parts that make roles make them instead of checking them. */
export const postgresqlAdminOptions = {
  'postgresql-admin-user': { type: 'string', default: 'postgres', describe: 'A superuser, who makes the roles (and the Dapr schema)' },
  'postgresql-admin-password-file': {
    type: 'string',
    describe: "File holding the superuser's password; without it, whoever runs the database makes the roles (and the Dapr schema), checked",
  },
  'postgresql-admin-password-secret': {
    type: 'string',
    default: 'the password file',
    describe: "Where the superuser's password comes from, named in error messages",
  },
} as const satisfies Record<string, Options>;
