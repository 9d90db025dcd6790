import { fileURLToPath } from 'node:url';
import type { Options } from 'yargs';

/** A folder shipped beside the compiled program (the chart mounts its own copies instead). */
const besideProgram = (folder: string) => fileURLToPath(new URL(`../../../${folder}`, import.meta.url));

export const postgresOptions = {
  'postgres-host': { type: 'string', demandOption: true, describe: 'PostgreSQL host' },
  'postgres-port': { type: 'number', default: 5432, describe: 'PostgreSQL port' },
  'postgres-database': { type: 'string', default: 'learnflow', describe: 'Database' },
  'postgres-user': { type: 'string', default: 'learnflow', describe: 'User (the application user, owner of the schema)' },
  'postgres-password-file': { type: 'string', demandOption: true, describe: "File holding the user's password (a mounted Secret key)" },
  'postgres-password-secret': {
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

export interface PostgresArgs {
  postgresHost: string;
  postgresPort: number;
  postgresDatabase: string;
  postgresUser: string;
  postgresPasswordFile: string;
  postgresPasswordSecret: string;
}
