import { fileURLToPath } from 'node:url';
import type { Options } from 'yargs';

/** A folder shipped beside the compiled program (the chart mounts its own copies instead). */
const besideProgram = (folder: string) => fileURLToPath(new URL(`../../../${folder}`, import.meta.url));

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
} as const satisfies Record<string, Options>;

export const migrationsOptions = {
  'migrations-dir': { type: 'string', default: besideProgram('migrations'), describe: 'Folder of node-pg-migrate migrations' },
} as const satisfies Record<string, Options>;

export const seedOptions = {
  'seeds-dir': { type: 'string', default: besideProgram('seeds'), describe: 'Folder of the seed files (topics.json, test-users.json)' },
  'test-users': { type: 'boolean', default: true, describe: 'Seed (or expect) the test users' },
} as const satisfies Record<string, Options>;

export interface PostgresqlArgs {
  postgresqlHost: string;
  postgresqlPort: number;
  postgresqlDatabase: string;
  postgresqlUser: string;
  postgresqlPasswordFile: string;
  postgresqlPasswordSecret: string;
}
