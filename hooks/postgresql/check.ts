import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { pendingMigrations } from './migrate.js';
import { schemaDifferences } from './schema.js';
import type { TopicSeed, UserSeed } from './seeds.js';

export interface PostgresqlExpectations {
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
export async function checkPostgresql(client: pg.Client, expected: PostgresqlExpectations, logger: Logger): Promise<string[]> {
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

  const { rows: topics } = await client.query<{ topic_name: string }>('SELECT topic_name FROM topics');
  const topicNames = new Set(topics.map((row) => row.topic_name));
  report('topics', [
    ...(topics.length === expected.topics.length ? [] : [`${topics.length} topics, ${expected.topics.length} expected`]),
    ...expected.topics.filter((topic) => !topicNames.has(topic.topicName)).map((topic) => `topic "${topic.topicName}" is missing`),
  ]);

  const { rows: users } = await client.query<{ email: string }>(
    'SELECT lower(email) AS email FROM users WHERE lower(email) = ANY($1::text[])',
    [expected.users.map((user) => user.email.toLowerCase())],
  );
  const emails = new Set(users.map((row) => row.email));
  report(
    'test users',
    expected.users.filter((user) => !emails.has(user.email.toLowerCase())).map((user) => `test user ${user.email} is missing`),
  );

  report('write', await writeAndRollBack(client));
  return problems;
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
