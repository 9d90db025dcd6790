import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { applySeeds } from '../postgresql/seed.js';
import type { UserSeed } from '../postgresql/seeds.js';
import { commonOptions, runHook, type CommonArgs } from './options.js';
import { loadSeeds } from '../postgresql/seeds.js';
import { withDatabase } from './postgresql-connection.js';
import { postgresqlOptions, seedOptions, type PostgresqlArgs } from './postgresql-options.js';

export const postgresqlSeedOptions = {
  ...seedOptions,
  'credentials-dir': { type: 'string', describe: "Folder of the credentials Secret's keys, one file each (the test users' passwords)" },
} as const satisfies Record<string, Options>;

const options = { ...commonOptions, ...postgresqlOptions, ...postgresqlSeedOptions };

export const postgresqlSeedCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'postgresql-seed',
  describe: 'Upsert the curriculum topics and the test users; any number of runs leaves one row each',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => seedDatabase(args, logger)),
};

/** The seed hook's work: the curriculum topics and, if on, the test users upserted. */
export async function seedDatabase(
  args: PostgresqlArgs & CommonArgs & { seedsDir: string; testUsers: boolean; credentialsDir?: string | undefined },
  logger: Logger,
): Promise<void> {
  const seeds = await loadSeeds(args.seedsDir, args.testUsers);
  const users = await testUserPasswords(seeds.users, args.credentialsDir);
  logger.info(
    { host: args.postgresqlHost, database: args.postgresqlDatabase, topics: seeds.topics.length, users: users.length },
    'seeding the database',
  );
  const key = users.length > 0 ? await fingerprintKey(args.credentialsDir) : undefined;
  const result = await withDatabase(args, logger, 'seeding the database', (client) => applySeeds(client, seeds.topics, users, key));
  const { topicsRemoved, topicsKept, usersKept, ...counts } = result;
  if (topicsRemoved.length > 0) logger.info({ topicsRemoved }, `removed the topic(s) seeds/ no longer lists: ${topicsRemoved.join(', ')}`);
  if (topicsKept.length > 0) {
    logger.warn(
      { topicsKept },
      `kept the topic(s) seeds/ no longer lists, since rows refer to them: ${topicsKept.join('; ')}; ` +
        'move those rows to another topic, then the next upgrade removes them',
    );
  }
  if (usersKept.length > 0) {
    logger.warn(
      { usersKept },
      `kept the test user(s) seeds/ no longer lists (or turned off): ${usersKept.join(', ')}; delete them if they are not needed`,
    );
  }
  logger.info(
    counts,
    `seeded ${result.topics} topics and ${result.users} test user(s); ${result.passwordsSet} password hash(es) written` +
      (result.passwordsByFingerprint > 0 ? `, ${result.passwordsByFingerprint} known unchanged by fingerprint` : ''),
  );
}

/** The credentials Secret's key that keys the test users' password fingerprints; without it, every run compares with bcrypt. */
export const fingerprintKeyName = 'test-users-key';

async function fingerprintKey(credentialsDir: string | undefined): Promise<string | undefined> {
  if (!credentialsDir) return undefined;
  const key = await readFile(join(credentialsDir, fingerprintKeyName), 'utf8').catch(() => '');
  return key.trim().length >= 16 ? key.trim() : undefined;
}

/** Each test user's password from the mounted Secret; every missing or unusable one is named at once. */
async function testUserPasswords(
  users: readonly UserSeed[],
  credentialsDir: string | undefined,
): Promise<{ seed: UserSeed; password: string }[]> {
  if (users.length === 0) return [];
  if (!credentialsDir) {
    throw new ActionableError(
      'test users need their passwords',
      'pass --credentials-dir (the mounted credentials Secret), or --no-test-users',
      [],
      ExitCode.invalidInput,
    );
  }
  const read = await Promise.all(
    users.map(async (seed) => {
      const path = join(credentialsDir, seed.passwordKey);
      try {
        const password = (await readFile(path, 'utf8')).trim();
        return password.length < 8 ? { seed, problem: `${path} is shorter than 8 characters` } : { seed, password };
      } catch (error) {
        return {
          seed,
          problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${path} is missing` : `${path}: ${(error as Error).message}`,
        };
      }
    }),
  );
  const unusable = read.filter((entry): entry is { seed: UserSeed; problem: string } => 'problem' in entry);
  if (unusable.length > 0) {
    throw new ActionableError(
      `no usable password for test user(s): ${unusable.map(({ seed, problem }) => `${seed.email} (${problem})`).join('; ')}`,
      `the credentials Secret needs the key(s) ${unusable.map(({ seed }) => seed.passwordKey).join(', ')}; ` +
        'or turn test users off (postgresqlSchema.testUsers.enabled=false)',
      [],
      ExitCode.invalidInput,
    );
  }
  return read as { seed: UserSeed; password: string }[];
}
