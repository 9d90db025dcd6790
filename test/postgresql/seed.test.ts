import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { describe, expect, inject, it } from 'vitest';
import { bcryptCost } from '../../hooks/postgresql/seed.js';
import { parseTopicSeeds, parseUserSeeds } from '../../hooks/postgresql/seeds.js';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import { credentialsDir, freshDatabase, withDatabase, type TestDatabase } from '../support/postgresql-server.js';

const server = inject('postgresql');
const seedFile = (file: string) => readFile(join(repoRoot, 'seeds', file), 'utf8');
const topicSeeds = async () => parseTopicSeeds(await seedFile('topics.json'), 'topics.json');
const userSeeds = async () => parseUserSeeds(await seedFile('test-users.json'), 'test-users.json');
const passwords = {
  'test-admin-password': 'admin-secret-1',
  'test-teacher-password': 'teacher-secret-1',
  'test-student-password': 'student-secret-1',
};

async function migratedDatabase(): Promise<TestDatabase> {
  const db = await freshDatabase(server);
  const migrated = await runCli(['postgresql-migrate', ...db.flags]);
  expect(migrated.code, migrated.stdout).toBe(0);
  return db;
}

const seed = async (db: TestDatabase, secrets: Record<string, string> = passwords, extra: string[] = []) =>
  runCli(['postgresql-seed', ...db.flags, '--credentials-dir', await credentialsDir(secrets), ...extra]);

interface Counts {
  topics: number;
  users: number;
  students: number;
  teachers: number;
}
const counts = (db: TestDatabase) =>
  withDatabase(db, async (client) => {
    const { rows } = await client.query<Counts>(
      `SELECT (SELECT count(*) FROM topics)::int AS topics, (SELECT count(*) FROM users)::int AS users,
              (SELECT count(*) FROM students)::int AS students, (SELECT count(*) FROM teachers)::int AS teachers`,
    );
    return rows[0]!;
  });

describe('the seed data against a real PostgreSQL', () => {
  it('has the 24 curriculum topics, three per module, and one test user per role', async () => {
    const topics = await topicSeeds();
    expect(topics).toHaveLength(24);
    expect(new Set(topics.map((topic) => topic.moduleNumber))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    expect((await userSeeds()).map((user) => user.role).sort()).toEqual(['admin', 'student', 'teacher']);
  });

  it('leaves exactly one row per topic and per user however often it runs, with prerequisites resolved', async () => {
    const db = await migratedDatabase();
    for (let run = 0; run < 3; run++) {
      const result = await seed(db);
      expect(result.code, result.stdout).toBe(0);
    }
    expect(await counts(db)).toEqual({ topics: 24, users: 3, students: 1, teachers: 1 });
    const topics = await topicSeeds();
    await withDatabase(db, async (client) => {
      const { rows } = await client.query<{ topic_name: string; prerequisites: string[] }>(
        `SELECT t.topic_name, coalesce(array_agg(p.topic_name ORDER BY p.topic_name) FILTER (WHERE p.id IS NOT NULL), '{}') AS prerequisites
         FROM topics t LEFT JOIN topics p ON p.id = ANY(t.prerequisites) GROUP BY t.topic_name`,
      );
      const byName = new Map(rows.map((row) => [row.topic_name, row.prerequisites]));
      for (const topic of topics) expect(byName.get(topic.topicName), topic.topicName).toEqual([...topic.prerequisites].sort());
    });
  });

  it('stores bcrypt hashes of the passwords it is given, and rehashes only a changed password', async () => {
    const db = await migratedDatabase();
    expect((await seed(db)).code).toBe(0);
    const hashOf = async (email: string) =>
      withDatabase(
        db,
        async (client) =>
          (await client.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [email])).rows[0]!
            .password_hash,
      );
    const before = await hashOf('student@learnflow.com');
    expect(before).toMatch(new RegExp(`^\\$2b\\$${bcryptCost}\\$`));
    expect(await bcrypt.compare('student-secret-1', before)).toBe(true);

    const again = await seed(db);
    expect(again.lines.at(-1)?.['passwordsSet']).toBe(0);
    expect(await hashOf('student@learnflow.com')).toBe(before);

    const rotated = await seed(db, { ...passwords, 'test-student-password': 'student-secret-2' });
    expect(rotated.lines.at(-1)?.['passwordsSet']).toBe(1);
    expect(await bcrypt.compare('student-secret-2', await hashOf('student@learnflow.com'))).toBe(true);
    expect((await counts(db)).users).toBe(3);

    // A hash an earlier chart made at cost 12 is rewritten at the chart's cost, once.
    await withDatabase(db, (client) =>
      client.query('UPDATE users SET password_hash = $1 WHERE email = $2', [
        bcrypt.hashSync('student-secret-2', 12),
        'student@learnflow.com',
      ]),
    );
    expect((await seed(db, { ...passwords, 'test-student-password': 'student-secret-2' })).lines.at(-1)?.['passwordsSet']).toBe(1);
    expect(bcrypt.getRounds(await hashOf('student@learnflow.com'))).toBe(bcryptCost);
    expect((await seed(db, { ...passwords, 'test-student-password': 'student-secret-2' })).lines.at(-1)?.['passwordsSet']).toBe(0);
  });

  it('seeds no test user when they are turned off, and needs no passwords then', async () => {
    const db = await migratedDatabase();
    const result = await runCli(['postgresql-seed', ...db.flags, '--no-test-users']);
    expect(result.code, result.stdout).toBe(0);
    expect(await counts(db)).toEqual({ topics: 24, users: 0, students: 0, teachers: 0 });
  });

  it('gives the same result when two runs race', async () => {
    const db = await migratedDatabase();
    const runs = await Promise.all([seed(db), seed(db)]);
    for (const run of runs) expect(run.code, run.stdout).toBe(0);
    expect(await counts(db)).toEqual({ topics: 24, users: 3, students: 1, teachers: 1 });
  });

  it('names every missing Secret key of the test users at once', async () => {
    const db = await migratedDatabase();
    const result = await seed(db, { 'test-admin-password': 'admin-secret-1' });
    expect(result.code).toBe(2);
    expect(result.lines.at(-1)?.msg).toMatch(
      new RegExp(
        String.raw`^no usable password for test user\(s\): teacher@learnflow.com \(.*test-teacher-password is missing\); ` +
          String.raw`student@learnflow.com \(.*test-student-password is missing\)$`,
      ),
    );
    expect(result.lines.at(-1)?.hint).toContain('the credentials Secret needs the key(s) test-teacher-password, test-student-password');
  });
});
