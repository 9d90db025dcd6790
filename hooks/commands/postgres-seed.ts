import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule, InferredOptionTypes } from 'yargs';
import { ExitCode, HookError } from '../lib/hook-error.js';
import { applySeeds } from '../postgres/seed.js';
import type { UserSeed } from '../postgres/seeds.js';
import { commonOptions, runHook } from './options.js';
import { loadSeeds, postgresOptions, seedOptions, withDatabase } from './postgres-options.js';

const options = {
  ...commonOptions,
  ...postgresOptions,
  ...seedOptions,
  'credentials-dir': { type: 'string', describe: "Folder of the credentials Secret's keys, one file each (the test users' passwords)" },
} as const;

export const postgresSeedCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgres-seed',
  describe: 'Upsert the curriculum topics and the test users; any number of runs leaves one row each',
  builder: (yargs) => yargs.options(options),
  handler: (args) =>
    runHook(args, async (logger) => {
      const seeds = await loadSeeds(args.seedsDir, args.testUsers);
      const users = await Promise.all(seeds.users.map(async (seed) => ({ seed, password: await userPassword(seed, args.credentialsDir) })));
      logger.info({ host: args.postgresHost, database: args.postgresDatabase, topics: seeds.topics.length, users: users.length }, 'seeding the database');
      const result = await withDatabase(args, logger, 'seeding the database', (client) => applySeeds(client, seeds.topics, users));
      logger.info(result, `seeded ${result.topics} topics and ${result.users} test user(s); ${result.passwordsSet} password hash(es) written`);
    }),
};

async function userPassword(user: UserSeed, credentialsDir: string | undefined): Promise<string> {
  if (!credentialsDir) {
    throw new HookError('test users need their passwords', 'pass --credentials-dir (the mounted credentials Secret), or --no-test-users', ExitCode.invalidInput);
  }
  const path = join(credentialsDir, user.passwordKey);
  try {
    const password = (await readFile(path, 'utf8')).trim();
    if (password.length < 8) throw new Error('it is shorter than 8 characters');
    return password;
  } catch (error) {
    throw new HookError(
      `no usable password for test user ${user.email} in ${path}: ${(error as Error).message}`,
      `the credentials Secret needs the key ${user.passwordKey}; or turn test users off (postgresql.seed.testUsers=false)`,
      ExitCode.invalidInput,
    );
  }
}
