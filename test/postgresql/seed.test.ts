import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { describe, expect, inject, it } from 'vitest';
import { bcryptCost } from '../../hooks/postgresql/seed.js';
import { parseTopicSeeds, parseUserSeeds, type TopicSeed, type UserSeed } from '../../hooks/postgresql/seeds.js';
import { runCli } from '../support/cli.js';
import { seededRows, seededTopics, testUsers } from '../support/contract.js';
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
  runCli(['postgresql-seed', ...db.flags, '--test-users', '--credentials-dir', await credentialsDir(secrets), ...extra]);

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
  it(`has the ${seededTopics.length} curriculum topics, three per module, and one test user per role`, async () => {
    const topics = await topicSeeds();
    const perModule = new Map<number, number>();
    for (const topic of topics) perModule.set(topic.moduleNumber, (perModule.get(topic.moduleNumber) ?? 0) + 1);
    // The modules are numbered from 1 without a gap, and each has three topics.
    expect([...perModule.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: perModule.size }, (_, index) => index + 1));
    expect([...perModule.values()]).toEqual(Array.from({ length: perModule.size }, () => 3));
    expect((await userSeeds()).map((user) => user.role).sort()).toEqual(['admin', 'student', 'teacher']);
  });

  it('leaves exactly one row per topic and per user however often it runs, with prerequisites resolved', async () => {
    const db = await migratedDatabase();
    for (let run = 0; run < 3; run++) {
      const result = await seed(db);
      expect(result.code, result.stdout).toBe(0);
    }
    expect(await counts(db)).toEqual(seededRows);
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
    expect((await counts(db)).users).toBe(seededRows.users);

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

  it('knows unchanged passwords by their keyed fingerprint, without bcrypt, and falls back to bcrypt when it cannot tell', async () => {
    const db = await migratedDatabase();
    const keyed = { ...passwords, 'test-users-key': 'a-random-key-of-the-credentials-secret' };
    const first = (await seed(db, keyed)).lines.at(-1)!;
    expect(first).toMatchObject({ passwordsSet: testUsers.length, passwordsByFingerprint: 0 });
    const again = (await seed(db, keyed)).lines.at(-1)!;
    expect(again).toMatchObject({ passwordsSet: 0, passwordsByFingerprint: testUsers.length });
    expect(again.msg).toContain(`0 password hash(es) written, ${testUsers.length} known unchanged by fingerprint`);
    // The record holds neither a password nor anything checkable without the key.
    const records = await withDatabase(
      db,
      async (client) => (await client.query<{ fingerprint: string }>('SELECT fingerprint FROM learnflow_hooks.seed_passwords')).rows,
    );
    expect(records).toHaveLength(testUsers.length);
    for (const { fingerprint } of records) {
      expect(Object.values(passwords).some((password) => fingerprint.includes(password))).toBe(false);
    }

    // A changed password: its fingerprint differs, bcrypt confirms, the hash is rewritten.
    const rotated = { ...keyed, 'test-student-password': 'student-secret-2' };
    expect((await seed(db, rotated)).lines.at(-1)).toMatchObject({ passwordsSet: 1, passwordsByFingerprint: testUsers.length - 1 });
    expect((await seed(db, rotated)).lines.at(-1)).toMatchObject({ passwordsSet: 0, passwordsByFingerprint: testUsers.length });
    // A hash changed in the database (a password reset in the app): the record no longer vouches for it.
    await withDatabase(db, (client) =>
      client.query('UPDATE users SET password_hash = $1 WHERE email = $2', [
        bcrypt.hashSync('reset-in-the-app', 10),
        'admin@learnflow.com',
      ]),
    );
    expect((await seed(db, rotated)).lines.at(-1)).toMatchObject({ passwordsSet: 1, passwordsByFingerprint: testUsers.length - 1 });
    // Another key: nothing is known by fingerprint, bcrypt finds every password unchanged.
    const rekeyed = { ...rotated, 'test-users-key': 'another-key-of-the-credentials-secret' };
    expect((await seed(db, rekeyed)).lines.at(-1)).toMatchObject({ passwordsSet: 0, passwordsByFingerprint: 0 });
    expect((await seed(db, rekeyed)).lines.at(-1)).toMatchObject({ passwordsSet: 0, passwordsByFingerprint: testUsers.length });
  });

  it('seeds no test user when they are turned off, and needs no passwords then', async () => {
    const db = await migratedDatabase();
    const result = await runCli(['postgresql-seed', ...db.flags, '--no-test-users']);
    expect(result.code, result.stdout).toBe(0);
    expect(await counts(db)).toEqual({ topics: seededRows.topics, users: 0, students: 0, teachers: 0 });
  });

  it('gives the same result when two runs race', async () => {
    const db = await migratedDatabase();
    const runs = await Promise.all([seed(db), seed(db)]);
    for (const run of runs) expect(run.code, run.stdout).toBe(0);
    expect(await counts(db)).toEqual(seededRows);
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

/** seeds/ as a later version of the chart ships it: `change` edits the topics and users. */
async function seedsDir(change: (seeds: { topics: TopicSeed[]; users: UserSeed[] }) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'learnflow-seeds-'));
  const seeds = { topics: await topicSeeds(), users: await userSeeds() };
  change(seeds);
  await writeFile(join(dir, 'topics.json'), JSON.stringify({ topics: seeds.topics }));
  await writeFile(join(dir, 'test-users.json'), JSON.stringify({ users: seeds.users }));
  return dir;
}

const topicRow = (db: TestDatabase, name: string) =>
  withDatabase(
    db,
    async (client) => (await client.query<{ id: string }>('SELECT id FROM topics WHERE topic_name = $1', [name])).rows[0]?.id,
  );

/** An exercise on the topic, as a service would add one. */
const addExercise = (db: TestDatabase, topicId: string) =>
  withDatabase(db, (client) => client.query("INSERT INTO exercises (topic_id, title) VALUES ($1, 'a service exercise')", [topicId]));

const check = async (db: TestDatabase, dir: string) =>
  runCli(['postgresql-check', ...db.flags, '--test-users', '--seeds-dir', dir, '--timeout', '10']);

describe('the seed data by stable identity, against a real PostgreSQL', () => {
  it('renames a topic and a test user in place, keeping every row that refers to them; the check passes', async () => {
    const db = await migratedDatabase();
    expect((await seed(db)).code).toBe(0);
    const topicId = (await topicRow(db, 'Operators'))!;
    await addExercise(db, topicId);
    const userId = await withDatabase(
      db,
      async (client) => (await client.query<{ id: string }>("SELECT id FROM users WHERE email = 'student@learnflow.com'")).rows[0]!.id,
    );
    const dir = await seedsDir(({ topics, users }) => {
      const operators = topics.find((topic) => topic.topicName === 'Operators')!;
      operators.topicName = 'Operators and Expressions';
      for (const topic of topics)
        topic.prerequisites = topic.prerequisites.map((name) => (name === 'Operators' ? operators.topicName : name));
      users.find((user) => user.role === 'student')!.email = 'maya@learnflow.com';
    });
    const result = await seed(db, passwords, ['--seeds-dir', dir]);
    expect(result.code, result.stdout).toBe(0);
    expect(await counts(db)).toEqual(seededRows);
    expect(await topicRow(db, 'Operators and Expressions')).toBe(topicId);
    expect(await topicRow(db, 'Operators')).toBeUndefined();
    await withDatabase(db, async (client) => {
      expect((await client.query('SELECT topic_id FROM exercises')).rows).toEqual([{ topic_id: topicId }]);
      expect((await client.query('SELECT email FROM users WHERE id = $1', [userId])).rows).toEqual([{ email: 'maya@learnflow.com' }]);
    });
    const checked = await check(db, dir);
    expect(checked.code, checked.stdout).toBe(0);
  });

  it('removes a topic seeds/ drops when nothing refers to it, from the prerequisites too; the check passes', async () => {
    const db = await migratedDatabase();
    expect((await seed(db)).code).toBe(0);
    const removedId = (await topicRow(db, 'Scope'))!;
    const dir = await seedsDir(({ topics }) => {
      topics.splice(
        topics.findIndex((topic) => topic.topicName === 'Scope'),
        1,
      );
      for (const topic of topics) topic.prerequisites = topic.prerequisites.filter((name) => name !== 'Scope');
    });
    // A topic a service added, which names the dropped one as a prerequisite.
    await withDatabase(db, (client) =>
      client.query("INSERT INTO topics (module_number, module_name, topic_name, prerequisites) VALUES (9, 'Extra', 'Extra', $1)", [
        [removedId],
      ]),
    );
    const result = await seed(db, passwords, ['--seeds-dir', dir]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((line) => line.msg.startsWith('removed'))?.msg).toBe('removed the topic(s) seeds/ no longer lists: Scope');
    // The seeds' topics less Scope, and Extra.
    expect((await counts(db)).topics).toBe(seededRows.topics - 1 + 1);
    await withDatabase(db, async (client) => {
      expect((await client.query("SELECT prerequisites FROM topics WHERE topic_name = 'Extra'")).rows[0].prerequisites).toEqual([]);
      expect((await client.query('SELECT count(*)::int AS n FROM topics WHERE $1 = ANY(prerequisites)', [removedId])).rows[0].n).toBe(0);
    });
    expect((await check(db, dir)).code).toBe(0);
  });

  it('keeps a topic seeds/ drops while an exercise refers to it, saying so; the check passes', async () => {
    const db = await migratedDatabase();
    expect((await seed(db)).code).toBe(0);
    await addExercise(db, (await topicRow(db, 'Scope'))!);
    const dir = await seedsDir(({ topics }) => {
      topics.splice(
        topics.findIndex((topic) => topic.topicName === 'Scope'),
        1,
      );
      for (const topic of topics) topic.prerequisites = topic.prerequisites.filter((name) => name !== 'Scope');
    });
    const result = await seed(db, passwords, ['--seeds-dir', dir]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((line) => line.level === 'warn')?.msg).toContain(
      'kept the topic(s) seeds/ no longer lists, since rows refer to them: Scope (1 exercise(s), 0 progress row(s) refer to it)',
    );
    expect(await topicRow(db, 'Scope')).toBeDefined();
    expect((await check(db, dir)).code).toBe(0);
  });

  it('adopts the rows an earlier chart seeded without identities, by their natural keys, adding none', async () => {
    const db = await migratedDatabase();
    expect((await seed(db)).code).toBe(0);
    // As 0.1.x left them: the same rows, without seed ids.
    await withDatabase(db, async (client) => {
      await client.query('UPDATE topics SET seed_id = NULL');
      await client.query('UPDATE users SET seed_id = NULL');
    });
    const before = await withDatabase(db, async (client) => (await client.query<{ id: string }>('SELECT id FROM topics ORDER BY id')).rows);
    expect((await seed(db)).code).toBe(0);
    expect(await counts(db)).toEqual(seededRows);
    await withDatabase(db, async (client) => {
      expect((await client.query('SELECT id FROM topics ORDER BY id')).rows).toEqual(before);
      expect((await client.query('SELECT count(*)::int AS n FROM topics WHERE seed_id IS NULL')).rows[0].n).toBe(0);
      expect((await client.query('SELECT count(*)::int AS n FROM users WHERE seed_id IS NULL')).rows[0].n).toBe(0);
    });
  });
});
