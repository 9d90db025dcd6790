// Benchmark: our database setup (postgresql-migrate, then postgresql-seed, in one process as the
// reconcile Job runs them) beside applying an equivalent plain SQL file with psql, on the same
// server in the same run: on an empty database, and again on an up-to-date one (the no-op every
// upgrade pays). The SQL file is the migrations' up sections plus the topics as INSERT ... ON
// CONFLICT DO NOTHING; it seeds no test users (bcrypt has no psql equivalent), which our setup
// does too, in a row of its own, with the program's own time (from its start to its last line,
// not counting the process start this machine adds) beside the wall time.
//
//   npm run bench        (after scripts/install-tools.sh and `source scripts/env.sh`)
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bcryptCost } from '../hooks/postgresql/seed.js';
import { parseTopicSeeds } from '../hooks/postgresql/seeds.js';
import { runCli } from '../test/support/cli.js';
import { seededRows } from '../test/support/contract.js';
import { repoRoot } from '../test/support/paths.js';
import { credentialsDir, freshDatabase, PostgresqlServer, type TestDatabase } from '../test/support/postgresql-server.js';
import { runOk } from '../test/support/process.js';
import { median, printComparison, timed } from './measure.js';

const repetitions = 3;
const passwords = {
  'test-admin-password': 'admin-secret-1',
  'test-teacher-password': 'teacher-secret-1',
  'test-student-password': 'student-secret-1',
  // The credentials hook makes it beside the test users' passwords: the seed's fingerprint key.
  'test-users-key': 'a-random-key-of-the-credentials-secret',
};

/** Runs our setup; returns, in seconds, from its last log line, the program's own time and its part after loading the modules. */
async function ours(db: TestDatabase, testUsers: boolean): Promise<{ own: number; work: number }> {
  const users = testUsers ? ['--test-users', '--credentials-dir', await credentialsDir(passwords)] : ['--no-test-users'];
  const result = await runCli(['reconcile', 'postgresql-migrate', 'postgresql-seed', ...users, ...db.flags]);
  if (result.code !== 0) throw new Error(`reconcile failed:\n${result.stdout}`);
  const { elapsedMs, startupMs } = result.lines.at(-1) as unknown as { elapsedMs: number; startupMs: number };
  return { own: elapsedMs / 1000, work: (elapsedMs - startupMs) / 1000 };
}

/** The same schema and topics as one idempotent SQL file, the way a psql-based hook would ship them. */
async function plainSqlFile(): Promise<string> {
  const migrations = (await readdir(join(repoRoot, 'migrations'))).sort();
  const schema = await Promise.all(
    migrations.map(async (file) => {
      const text = await readFile(join(repoRoot, 'migrations', file), 'utf8');
      const up = text.slice(text.indexOf('-- Up Migration'), text.indexOf('-- Down Migration'));
      // Idempotent re-runs need IF NOT EXISTS, which the migration does not (need to) say.
      return up
        .replaceAll('CREATE SCHEMA ', 'CREATE SCHEMA IF NOT EXISTS ')
        .replaceAll('CREATE TABLE ', 'CREATE TABLE IF NOT EXISTS ')
        .replaceAll('CREATE UNIQUE INDEX ', 'CREATE UNIQUE INDEX IF NOT EXISTS ')
        .replaceAll('CREATE INDEX ', 'CREATE INDEX IF NOT EXISTS ')
        .replaceAll('CREATE FUNCTION ', 'CREATE OR REPLACE FUNCTION ')
        .replaceAll('CREATE TRIGGER ', 'CREATE OR REPLACE TRIGGER ')
        .replaceAll(' ADD COLUMN ', ' ADD COLUMN IF NOT EXISTS ');
    }),
  );
  const topics = parseTopicSeeds(await readFile(join(repoRoot, 'seeds', 'topics.json'), 'utf8'), 'topics.json');
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const inserts = topics.map(
    (topic) =>
      `INSERT INTO topics (module_number, module_name, topic_name, description, difficulty_level) VALUES ` +
      `(${topic.moduleNumber}, ${quote(topic.moduleName)}, ${quote(topic.topicName)}, ` +
      `${quote(topic.description)}, ${topic.difficultyLevel}) ON CONFLICT DO NOTHING;`,
  );
  const prerequisites = topics.map(
    (topic) =>
      `UPDATE topics SET prerequisites = ARRAY(SELECT id FROM topics WHERE topic_name IN ` +
      `(${['NULL', ...topic.prerequisites.map(quote)].join(', ')})) WHERE topic_name = ${quote(topic.topicName)};`,
  );
  const file = join(await mkdtemp(join(tmpdir(), 'learnflow-bench-')), 'setup.sql');
  await writeFile(file, ['BEGIN;', ...schema, ...inserts, ...prerequisites, 'COMMIT;'].join('\n'));
  return file;
}

async function psql(db: TestDatabase, file: string): Promise<void> {
  await runOk('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.database, '-f', file], {
    env: { ...process.env, PGPASSWORD: db.password },
  });
}

const server = await PostgresqlServer.start('bench');
try {
  const address = await server.address();
  const sql = await plainSqlFile();
  const wall = { psql: [[], []], ours: [[], []], users: [[], []], own: [[], []], work: [[], []] } as Record<string, [number[], number[]]>;
  for (let run = 0; run < repetitions; run++) {
    const [a, b, c] = await Promise.all([freshDatabase(address), freshDatabase(address), freshDatabase(address)]);
    wall['psql']![0].push(await timed(() => psql(b, sql)));
    wall['psql']![1].push(await timed(() => psql(b, sql)));
    wall['ours']![0].push(await timed(() => ours(a, false)));
    wall['ours']![1].push(await timed(() => ours(a, false)));
    for (const column of [0, 1] as const) {
      let times = { own: 0, work: 0 };
      wall['users']![column].push(await timed(async () => (times = await ours(c, true))));
      wall['own']![column].push(times.own);
      wall['work']![column].push(times.work);
    }
  }
  const medians = (name: string): [number, number] => [median(wall[name]![0]), median(wall[name]![1])];
  const { stdout } = await runOk(
    'psql',
    ['-tA', '-h', address.host, '-p', String(address.port), '-U', 'postgres', '-c', 'SHOW server_version'],
    {
      env: { ...process.env, PGPASSWORD: address.superuserPassword },
    },
  );
  printComparison(
    `PostgreSQL ${stdout.trim()}: schema, ${seededRows.topics} topics (and ${seededRows.users} test users), median of ${repetitions} runs`,
    ['empty', 'up to date'],
    [
      { label: 'psql -f setup.sql, wall (one process, no test users)', values: medians('psql') },
      { label: 'reconcile postgresql-migrate postgresql-seed, wall', values: medians('ours') },
      { label: `the same with the ${seededRows.users} test users (bcrypt cost ${bcryptCost}), wall`, values: medians('users') },
      { label: `the same with the ${seededRows.users} test users, the program's own time`, values: medians('own') },
      { label: 'the same, its time after loading its modules', values: medians('work') },
    ],
    'with test users, after loading / psql',
  );
} finally {
  await server.delete();
}
