import { access, copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { describe, expect, inject, it } from 'vitest';
import { expectedTables, schemaDifferences } from '../../hooks/postgresql/schema.js';
import { failure, runCli } from '../support/cli.js';
import { platformTables } from '../support/contract.js';
import { repoRoot } from '../support/paths.js';
import { freshDatabase, withDatabase, type TestDatabase } from '../support/postgresql-server.js';

const server = inject('postgresql');
const migrationsDir = join(repoRoot, 'migrations');

async function actualSchema(db: TestDatabase): Promise<Map<string, Set<string>>> {
  const { rows } = await withDatabase(db, (client) =>
    client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    ),
  );
  const tables = new Map<string, Set<string>>();
  for (const row of rows) tables.set(row.table_name, (tables.get(row.table_name) ?? new Set()).add(row.column_name));
  return tables;
}

const migrateCli = (db: TestDatabase) => runCli(['postgresql-migrate', ...db.flags]);

describe('the migrations against a real PostgreSQL', () => {
  it(`create the ${platformTables.length} tables of the catalogue on a fresh database, and nothing on a second run`, async () => {
    const db = await freshDatabase(server);
    const first = await migrateCli(db);
    expect(first.code, first.stdout).toBe(0);
    expect(first.lines.at(-1)?.['applied']).toEqual((await readdir(migrationsDir)).map((file) => file.replace(/\.sql$/, '')));
    const tables = await actualSchema(db);
    expect(schemaDifferences(tables)).toEqual([]);
    expect([...tables.keys()].sort()).toEqual([...Object.keys(expectedTables), 'pgmigrations'].sort());
    // The platform's tables, and node-pg-migrate's record.
    expect(tables.size).toBe(platformTables.length + 1);
    const second = await migrateCli(db);
    expect(second.code).toBe(0);
    expect(second.lines.at(-1)?.msg).toBe('the schema is up to date');
  });

  it('enforce the catalogue rules: case-insensitive emails, roles, ranges, cascades', async () => {
    const db = await freshDatabase(server);
    expect((await migrateCli(db)).code).toBe(0);
    await withDatabase(db, async (client) => {
      const insertUser = (email: string, role = 'student') =>
        client.query<{ id: string }>("INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', $2) RETURNING id", [email, role]);
      const { rows } = await insertUser('Maya@LearnFlow.com');
      await expect(insertUser('maya@learnflow.com')).rejects.toThrow(/users_email_key/);
      await expect(insertUser('guest@learnflow.com', 'guest')).rejects.toThrow(/users_role_check/);
      const student = await client.query<{ id: string; learning_pace: string }>(
        'INSERT INTO students (user_id) VALUES ($1) RETURNING id, learning_pace',
        [rows[0]!.id],
      );
      expect(student.rows[0]?.learning_pace).toBe('medium');
      const topic = await client.query<{ id: string }>(
        "INSERT INTO topics (module_number, module_name, topic_name) VALUES (1, 'Basics', 'Operators') RETURNING id",
      );
      await expect(
        client.query('INSERT INTO progress (student_id, topic_id, mastery_score) VALUES ($1, $2, 100.5)', [
          student.rows[0]!.id,
          topic.rows[0]!.id,
        ]),
      ).rejects.toThrow(/progress_mastery_score_check/);
      await client.query('DELETE FROM users WHERE id = $1', [rows[0]!.id]);
      expect((await client.query('SELECT 1 FROM students')).rowCount).toBe(0);
    });
  });

  it('let two runs at once both succeed, the second waiting for the first', async () => {
    const db = await freshDatabase(server);
    const runs = await Promise.all([migrateCli(db), migrateCli(db)]);
    for (const run of runs) expect(run.code, run.stdout).toBe(0);
    const applied = runs.map((run) => (run.lines.at(-1)?.['applied'] as string[]).length).sort();
    expect(applied).toEqual([0, (await readdir(migrationsDir)).length]);
    expect(schemaDifferences(await actualSchema(db))).toEqual([]);
  });

  it('apply a migration added after the first run, and refuse one that precedes those applied', async () => {
    const db = await freshDatabase(server);
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-migrations-'));
    for (const file of await readdir(migrationsDir)) await copyFile(join(migrationsDir, file), join(dir, file));
    const run = () => runCli(['postgresql-migrate', ...db.flags, '--migrations-dir', dir]);
    expect((await run()).code).toBe(0);
    const probe = (table: string) => `-- Up Migration\nCREATE TABLE ${table} (id int);\n-- Down Migration\nDROP TABLE ${table};\n`;
    await writeFile(join(dir, '1799000000000_later.sql'), probe('later_probe'));
    const later = await run();
    expect(later.code, later.stdout).toBe(0);
    expect(later.lines.at(-1)?.['applied']).toEqual(['1799000000000_later']);
    expect((await run()).lines.at(-1)?.msg).toBe('the schema is up to date');
    await writeFile(join(dir, '1700000000000_earlier.sql'), probe('earlier_probe'));
    const earlier = await run();
    expect(earlier.code).not.toBe(0);
    expect(earlier.stdout).toContain('Not run migration 1700000000000_earlier is preceding already run migration');
  });

  it('refuse a file that is not a SQL migration without running it: node-pg-migrate would import it as code', async () => {
    const db = await freshDatabase(server);
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-migrations-'));
    for (const file of await readdir(migrationsDir)) await copyFile(join(migrationsDir, file), join(dir, file));
    const marker = join(dir, '.imported');
    await writeFile(
      join(dir, '1799000000000_script.js'),
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexports.up = () => undefined;\n`,
    );
    const run = await runCli(['postgresql-migrate', ...db.flags, '--migrations-dir', dir]);
    expect(run.code, run.stdout).toBe(2);
    expect(failure(run).msg).toContain('holds files that are not SQL migrations: 1799000000000_script.js');
    await expect(access(marker), 'the script ran').rejects.toMatchObject({ code: 'ENOENT' });
    expect([...(await actualSchema(db)).keys()], 'nothing was migrated').toEqual([]);
  });

  it('can be rolled back and applied again', async () => {
    const db = await freshDatabase(server);
    expect((await migrateCli(db)).code).toBe(0);
    const databaseUrl = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database };
    const options = { databaseUrl, dir: migrationsDir, migrationsTable: 'pgmigrations', count: Infinity, log: () => undefined } as const;
    await runner({ ...options, direction: 'down' });
    expect([...(await actualSchema(db)).keys()]).toEqual(['pgmigrations']);
    expect((await migrateCli(db)).code).toBe(0);
    expect(schemaDifferences(await actualSchema(db))).toEqual([]);
  });
});
