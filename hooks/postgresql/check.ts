import type pg from 'pg';
import { ActionableError } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { withDatabase, type PostgresqlSettings } from './connection.js';
import { pendingMigrations } from './migrate.js';
import { schemaDifferences } from './schema.js';
import { loadSeeds, type TopicSeed, type UserSeed } from './seeds.js';

/** The PostgreSQL check (helm test): fails, naming every problem, unless the database is as the chart sets it up. */
export async function checkPostgresql(
  settings: PostgresqlSettings & { migrationsDir: string; seedsDir: string; testUsers: boolean },
  logger: Logger,
): Promise<void> {
  const seeds = await loadSeeds(settings.seedsDir, settings.testUsers);
  const problems = await withDatabase(settings, logger, 'checking PostgreSQL', (client) =>
    databaseProblems(client, { migrationsDir: settings.migrationsDir, ...seeds }, logger),
  );
  if (problems.length > 0) {
    throw new ActionableError(
      `PostgreSQL is not as the chart sets it up: ${problems.join('; ')}`,
      'the reconcile hook Job sets it up: read its log (kubectl logs job/<release>-reconcile, lines with ' +
        '"part":"postgresql-migrate" or "postgresql-seed"), or run helm upgrade to run it again',
    );
  }
  logger.info('postgresql check passed');
}

interface PostgresqlExpectations {
  migrationsDir: string;
  topics: readonly TopicSeed[];
  /** Test users that must exist; empty when they are turned off. */
  users: readonly UserSeed[];
}

/**
 * Everything a service relies on, from the application user's side: the schema, no pending
 * migration, the seed data, and the right to write (in a transaction that is rolled back).
 * Returns the problems found, empty when all holds.
 */
async function databaseProblems(client: pg.Client, expected: PostgresqlExpectations, logger: Logger): Promise<string[]> {
  const problems: string[] = [];
  const report = (check: string, found: readonly string[]) => {
    logger.info({ check, ok: found.length === 0, problems: found }, `${check}: ${found.length === 0 ? 'ok' : found.join('; ')}`);
    problems.push(...found);
  };

  const { rows: columns } = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
  );
  const actual = new Map<string, Set<string>>();
  for (const { table_name: table, column_name: column } of columns) actual.set(table, (actual.get(table) ?? new Set()).add(column));
  report('schema', schemaDifferences(actual));

  const pending = await pendingMigrations(client, expected.migrationsDir, logger);
  report(
    'migrations',
    pending.map((name) => `migration ${name} is not applied`),
  );

  const { rows: topics } = await client.query<SeededTopic>(
    `SELECT seed_id, module_number, module_name, topic_name, description, difficulty_level FROM topics WHERE seed_id IS NOT NULL`,
  );
  report('topics', seededTopicDifferences(expected.topics, topics));

  const { rows: users } = await client.query<{ seed_id: string; email: string }>(
    'SELECT seed_id, email FROM users WHERE seed_id = ANY($1::uuid[])',
    [expected.users.map((user) => user.id)],
  );
  const emails = new Map(users.map((row) => [row.seed_id, row.email]));
  report(
    'test users',
    expected.users.flatMap((user) => {
      const email = emails.get(user.id);
      if (email === undefined) return [`test user ${user.email} is missing`];
      return email === user.email ? [] : [`test user ${user.email} is ${email} in the database`];
    }),
  );

  report('write', await writeAndRollBack(client));
  return problems;
}

/** A topic row as the seed writes it. */
export interface SeededTopic {
  seed_id: string;
  module_number: number;
  module_name: string;
  topic_name: string;
  description: string | null;
  difficulty_level: number;
}

/**
 * Where the seeded topics differ from seeds/: one missing, or with other values. A topic seeded
 * before that seeds/ no longer lists is not a difference: the seed keeps it while rows refer to
 * it, and reports it. Pure, for the check to report.
 */
export function seededTopicDifferences(seeds: readonly TopicSeed[], rows: readonly SeededTopic[]): string[] {
  const byId = new Map(rows.map((row) => [row.seed_id, row]));
  return seeds.flatMap((seed) => {
    const row = byId.get(seed.id);
    if (!row) return [`topic "${seed.topicName}" is missing`];
    const fields: [string, unknown, unknown][] = [
      ['module_number', row.module_number, seed.moduleNumber],
      ['module_name', row.module_name, seed.moduleName],
      ['topic_name', row.topic_name, seed.topicName],
      ['description', row.description, seed.description],
      ['difficulty_level', row.difficulty_level, seed.difficultyLevel],
    ];
    return fields
      .filter(([, actual, wanted]) => actual !== wanted)
      .map(
        ([field, actual, wanted]) =>
          `topic "${seed.topicName}": ${field} is ${JSON.stringify(actual)}, seeds/ says ${JSON.stringify(wanted)}`,
      );
  });
}

async function writeAndRollBack(client: pg.Client): Promise<string[]> {
  const email = `learnflow-check-${Date.now()}@example.invalid`;
  await client.query('BEGIN');
  try {
    await client.query("INSERT INTO users (email, password_hash, role) VALUES ($1, 'not-a-hash', 'student')", [email]);
  } finally {
    await client.query('ROLLBACK');
  }
  const { rowCount } = await client.query('SELECT 1 FROM users WHERE email = $1', [email]);
  return rowCount === 0 ? [] : ['a rolled-back row is still there'];
}
