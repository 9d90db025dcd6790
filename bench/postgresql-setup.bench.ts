// Benchmark: our database setup (postgresql-migrate, then postgresql-seed, in one process as the
// reconcile Job runs them) beside applying an equivalent plain SQL file with psql, on the same
// server in the same run: on an empty database, and again on an up-to-date one. The SQL file is
// the migration's up section plus the topics as INSERT ... ON CONFLICT DO NOTHING (no test users:
// bcrypt has no psql equivalent).
//
//   npm run bench        (after scripts/install-tools.sh and `source scripts/env.sh`)
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopicSeeds } from '../hooks/postgresql/seeds.js';
import { runCli } from '../test/support/cli.js';
import { repoRoot } from '../test/support/paths.js';
import { freshDatabase, PostgresqlServer, type TestDatabase } from '../test/support/postgresql-server.js';
import { runOk } from '../test/support/process.js';
import { median, printComparison, timed } from './measure.js';

const repetitions = 3;

async function ours(db: TestDatabase): Promise<void> {
  const result = await runCli(['reconcile', 'postgresql-migrate', 'postgresql-seed', '--no-test-users', ...db.flags]);
  if (result.code !== 0) throw new Error(`reconcile failed:\n${result.stdout}`);
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
        .replaceAll('CREATE TABLE ', 'CREATE TABLE IF NOT EXISTS ')
        .replaceAll('CREATE UNIQUE INDEX ', 'CREATE UNIQUE INDEX IF NOT EXISTS ')
        .replaceAll('CREATE INDEX ', 'CREATE INDEX IF NOT EXISTS ')
        .replaceAll('CREATE FUNCTION ', 'CREATE OR REPLACE FUNCTION ')
        .replaceAll('CREATE TRIGGER ', 'CREATE OR REPLACE TRIGGER ');
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
  const results = { ours: { fresh: [] as number[], again: [] as number[] }, psql: { fresh: [] as number[], again: [] as number[] } };
  for (let run = 0; run < repetitions; run++) {
    const a = await freshDatabase(address);
    const b = await freshDatabase(address);
    results.ours.fresh.push(await timed(() => ours(a)));
    results.ours.again.push(await timed(() => ours(a)));
    results.psql.fresh.push(await timed(() => psql(b, sql)));
    results.psql.again.push(await timed(() => psql(b, sql)));
  }
  const version = /\d+\.\d+/.exec((await runOk('psql', ['--version'])).stdout)?.[0];
  printComparison(
    `PostgreSQL ${version}: schema and 24 topics, wall time, median of ${repetitions} runs`,
    ['empty', 'up to date'],
    [
      { label: 'psql -f setup.sql (one process)', values: [median(results.psql.fresh), median(results.psql.again)] },
      {
        label: 'reconcile postgresql-migrate postgresql-seed (one process)',
        values: [median(results.ours.fresh), median(results.ours.again)],
      },
    ],
    'ours / psql',
  );
} finally {
  await server.delete();
}
