import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { retryOptions, type CommonArgs } from './options.js';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { readPassword, withClient, type PostgresConnection } from '../postgres/connection.js';
import { classifyPostgresFailure } from '../postgres/failures.js';
import { parseTopicSeeds, parseUserSeeds, type TopicSeed, type UserSeed } from '../postgres/seeds.js';

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

export interface Seeds {
  topics: TopicSeed[];
  users: UserSeed[];
}

/** Reads and checks the seed files; without test users, `users` is empty. */
export async function loadSeeds(dir: string, testUsers: boolean): Promise<Seeds> {
  const read = async (file: string) => {
    const path = join(dir, file);
    try {
      return [await readFile(path, 'utf8'), path] as const;
    } catch (error) {
      throw new ActionableError(
        `cannot read the seed file ${path}: ${(error as Error).message}`,
        "the Job mounts the chart's seeds ConfigMap there",
        [],
        ExitCode.invalidInput,
      );
    }
  };
  const topics = parseTopicSeeds(...(await read('topics.json')));
  const users = testUsers ? parseUserSeeds(...(await read('test-users.json'))) : [];
  return { topics, users };
}
