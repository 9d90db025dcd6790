import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { failure, runCli, passedChecks } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import { credentialsDir, freshDatabase, withDatabase } from '../support/postgresql-server.js';

const server = inject('postgresql');
const passwords = {
  'test-admin-password': 'admin-secret-1',
  'test-teacher-password': 'teacher-secret-1',
  'test-student-password': 'student-secret-1',
};

async function seededDatabase() {
  const db = await freshDatabase(server);
  expect((await runCli(['postgresql-migrate', ...db.flags])).code).toBe(0);
  expect((await runCli(['postgresql-seed', ...db.flags, '--test-users', '--credentials-dir', await credentialsDir(passwords)])).code).toBe(
    0,
  );
  return db;
}

describe('the PostgreSQL check', () => {
  it('passes on a migrated and seeded database, checking each part', async () => {
    const db = await seededDatabase();
    const result = await runCli(['postgresql-check', ...db.flags, '--test-users']);
    expect(result.code, result.stdout).toBe(0);
    expect(passedChecks(result)).toEqual(['schema', 'migrations', 'topics', 'test users', 'write']);
  });

  it('names a pending migration, which postgresql-migrate then applies from the same folder', async () => {
    const db = await seededDatabase();
    const migrations = await mkdtemp(join(tmpdir(), 'learnflow-migrations-'));
    await cp(join(repoRoot, 'migrations'), migrations, { recursive: true });
    await writeFile(
      join(migrations, '1893456000000_exercise-tags.sql'),
      '-- Up Migration\nALTER TABLE exercises ADD COLUMN tags text[];\n-- Down Migration\nALTER TABLE exercises DROP COLUMN tags;\n',
    );
    const pending = await runCli(['postgresql-check', ...db.flags, '--migrations-dir', migrations, '--timeout', '5']);
    expect(pending.code).toBe(1);
    expect(failure(pending).msg).toContain('migration 1893456000000_exercise-tags is not applied');
    expect((await runCli(['postgresql-migrate', ...db.flags, '--migrations-dir', migrations])).code).toBe(0);
    expect((await runCli(['postgresql-check', ...db.flags, '--migrations-dir', migrations])).code).toBe(0);
  });

  it('names missing seed data', async () => {
    const db = await seededDatabase();
    await withDatabase(db, (client) => client.query("DELETE FROM topics WHERE topic_name = 'Scope'"));
    await withDatabase(db, (client) => client.query("DELETE FROM users WHERE email = 'admin@learnflow.com'"));
    const result = await runCli(['postgresql-check', ...db.flags, '--test-users', '--timeout', '5']);
    expect(result.code).toBe(1);
    expect(failure(result).msg).toContain(
      'PostgreSQL is not as the chart sets it up: topic "Scope" is missing; test user admin@learnflow.com is missing',
    );
  });
});
