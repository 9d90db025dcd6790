import { createHmac, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { withDatabase, type PostgresqlSettings } from './connection.js';
import { fingerprintKey, loadSeeds, testUserPasswords, type TopicSeed, type UserSeed } from './seeds.js';

/** The seed hook's settings: the seed files, and the mounted credentials Secret that holds the test users' passwords. */
export interface SeedSettings extends PostgresqlSettings {
  seedsDir: string;
  testUsers: boolean;
  credentialsDir?: string | undefined;
}

/** The seed hook's work: the curriculum topics and, if on, the test users upserted. */
export async function seedDatabase(settings: SeedSettings, logger: Logger): Promise<void> {
  const seeds = await loadSeeds(settings.seedsDir, settings.testUsers);
  const users = await testUserPasswords(seeds.users, settings.credentialsDir);
  logger.info(
    { host: settings.postgresqlHost, database: settings.postgresqlDatabase, topics: seeds.topics.length, users: users.length },
    'seeding the database',
  );
  const key = users.length > 0 ? await fingerprintKey(settings.credentialsDir) : undefined;
  const result = await withDatabase(settings, logger, 'seeding the database', (client) => applySeeds(client, seeds.topics, users, key));
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

/**
 * bcrypt's cost factor for test users' password hashes (docs/contract.md: 10, the floor the services' own logins use). Every
 * run compares each test user's hash, in pure JavaScript: each step up doubles that time.
 */
export const bcryptCost = 10;

/** The hooks' own schema (migration 1764900000000): the seed's record of test users' password hashes, which services never see. */
export const hooksSchema = 'learnflow_hooks';

// Seeding runs in one transaction under this lock: concurrent runs queue, and a run cut short
// leaves nothing half-written.
export const seedLock = 0x1ea4f10;

export interface SeedResult {
  topics: number;
  users: number;
  /** Test users whose password hash was (re)written: new users, or a changed password. */
  passwordsSet: number;
  /** Test users whose password was known unchanged by its fingerprint, without bcrypt. */
  passwordsByFingerprint: number;
  /** Topics seeded before that seeds/ no longer lists, deleted since nothing referenced them. */
  topicsRemoved: string[];
  /** Topics seeded before that seeds/ no longer lists, kept because rows refer to them: what refers. */
  topicsKept: string[];
  /** Test users seeded before that seeds/ no longer lists (or test users turned off): kept, with what they may own. */
  usersKept: string[];
}

/**
 * Makes the seeded rows what seeds/ says, by each row's identity (its seed id): curriculum topics
 * are inserted, updated in place (a rename keeps the row and every reference to it) or, when
 * seeds/ drops one and nothing refers to it, deleted; test users are upserted with their student
 * or teacher rows. A row seeded before seed ids existed is adopted by its natural key. Rows
 * services add are never touched. One transaction under a lock, so any number of runs, even at
 * once, leave one row per seed; a password hash is only rewritten when the password or the cost
 * changed. With `fingerprintKey`, a password whose keyed fingerprint matches the record of the
 * hash written before is known unchanged without bcrypt (a tenth of a second per user).
 */
export async function applySeeds(
  client: pg.Client,
  topics: readonly TopicSeed[],
  users: readonly { seed: UserSeed; password: string }[],
  fingerprintKey?: string,
): Promise<SeedResult> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [seedLock]);
    const removal = await seedTopics(client, topics);
    let passwordsSet = 0;
    let passwordsByFingerprint = 0;
    for (const user of users) {
      const password = await upsertUser(client, user.seed, user.password, fingerprintKey);
      if (password === 'written') passwordsSet++;
      if (password === 'unchanged by fingerprint') passwordsByFingerprint++;
    }
    const { rows: unseeded } = await client.query<{ email: string }>(
      'SELECT email FROM users WHERE seed_id IS NOT NULL AND NOT (seed_id = ANY($1::uuid[])) ORDER BY email',
      [users.map((user) => user.seed.id)],
    );
    await client.query('COMMIT');
    const usersKept = unseeded.map((row) => row.email);
    return { topics: topics.length, users: users.length, passwordsSet, passwordsByFingerprint, ...removal, usersKept };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The topics, in three statements whatever their number, and the removal of those seeds/ dropped. */
async function seedTopics(client: pg.Client, topics: readonly TopicSeed[]): Promise<Pick<SeedResult, 'topicsRemoved' | 'topicsKept'>> {
  const rows = JSON.stringify(
    topics.map((topic) => ({
      id: topic.id,
      module_number: topic.moduleNumber,
      module_name: topic.moduleName,
      topic_name: topic.topicName,
      description: topic.description,
      difficulty_level: topic.difficultyLevel,
    })),
  );
  const seed = `jsonb_to_recordset($1::jsonb) AS s(id uuid, module_number int, module_name text, topic_name text,
    description text, difficulty_level int)`;
  // Adopt the rows seeded before seed ids, by their natural key.
  await client.query(
    `UPDATE topics t SET seed_id = s.id FROM ${seed}
     WHERE t.seed_id IS NULL AND t.module_number = s.module_number AND t.topic_name = s.topic_name
       AND NOT EXISTS (SELECT 1 FROM topics x WHERE x.seed_id = s.id)`,
    [rows],
  );
  await client.query(
    `INSERT INTO topics (seed_id, module_number, module_name, topic_name, description, difficulty_level)
     SELECT id, module_number, module_name, topic_name, description, difficulty_level FROM ${seed}
     ON CONFLICT (seed_id) DO UPDATE SET module_number = EXCLUDED.module_number, module_name = EXCLUDED.module_name,
       topic_name = EXCLUDED.topic_name, description = EXCLUDED.description, difficulty_level = EXCLUDED.difficulty_level
     WHERE (topics.module_number, topics.module_name, topics.topic_name, topics.description, topics.difficulty_level)
       IS DISTINCT FROM (EXCLUDED.module_number, EXCLUDED.module_name, EXCLUDED.topic_name, EXCLUDED.description,
       EXCLUDED.difficulty_level)`,
    [rows],
  );
  // Prerequisites are ids, known once every topic exists; seeds/ names them, by topic name.
  const idByName = new Map(topics.map((topic) => [topic.topicName, topic.id]));
  const prerequisites = JSON.stringify(
    topics.map((topic) => ({ id: topic.id, prerequisites: topic.prerequisites.map((name) => idByName.get(name)) })),
  );
  await client.query(
    `UPDATE topics t SET prerequisites = p.ids
     FROM (SELECT s.id,
             ARRAY(SELECT x.id FROM topics x WHERE x.seed_id = ANY(s.prerequisites) ORDER BY x.module_number, x.topic_name) AS ids
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, prerequisites uuid[])) p
     WHERE t.seed_id = p.id AND t.prerequisites IS DISTINCT FROM p.ids`,
    [prerequisites],
  );
  return removeDroppedTopics(
    client,
    topics.map((topic) => topic.id),
  );
}

/**
 * Deletes the topics seeded before that seeds/ no longer lists and that nothing refers to (an
 * exercise, a student's progress), and takes them out of other topics' prerequisites. One that
 * something refers to is kept, with what refers to it, for the hook to report: deleting it would
 * delete that progress with it, or fail on the exercise.
 */
async function removeDroppedTopics(
  client: pg.Client,
  seeded: readonly string[],
): Promise<Pick<SeedResult, 'topicsRemoved' | 'topicsKept'>> {
  const { rows } = await client.query<{ id: string; topic_name: string; exercises: number; progress: number }>(
    `SELECT t.id, t.topic_name,
       (SELECT count(*)::int FROM exercises e WHERE e.topic_id = t.id) AS exercises,
       (SELECT count(*)::int FROM progress p WHERE p.topic_id = t.id) AS progress
     FROM topics t WHERE t.seed_id IS NOT NULL AND NOT (t.seed_id = ANY($1::uuid[])) ORDER BY t.topic_name`,
    [seeded],
  );
  const removable = rows.filter((row) => row.exercises === 0 && row.progress === 0);
  if (removable.length > 0) {
    const ids = removable.map((row) => row.id);
    await client.query(
      `UPDATE topics SET prerequisites = ARRAY(
         SELECT p FROM unnest(prerequisites) WITH ORDINALITY AS u(p, n) WHERE NOT (p = ANY($1::uuid[])) ORDER BY n)
       WHERE prerequisites && $1::uuid[]`,
      [ids],
    );
    await client.query('DELETE FROM topics WHERE id = ANY($1::uuid[])', [ids]);
  }
  return {
    topicsRemoved: removable.map((row) => row.topic_name),
    topicsKept: rows
      .filter((row) => !removable.includes(row))
      .map((row) => `${row.topic_name} (${row.exercises} exercise(s), ${row.progress} progress row(s) refer to it)`),
  };
}

/** The keyed fingerprint of a test user's password: fast to check, and worthless without the key. */
export const passwordFingerprint = (key: string, seedId: string, password: string): string =>
  createHmac('sha256', key).update(`${seedId}\0${password}`).digest('base64');

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Upserts a test user; says whether its password hash was written, or how it was known unchanged. */
async function upsertUser(
  client: pg.Client,
  user: UserSeed,
  password: string,
  fingerprintKey?: string,
): Promise<'written' | 'unchanged by fingerprint' | 'unchanged by bcrypt'> {
  // Adopt the row seeded before seed ids, by its email.
  await client.query(
    `UPDATE users SET seed_id = $1 WHERE seed_id IS NULL AND lower(email) = lower($2)
       AND NOT EXISTS (SELECT 1 FROM users x WHERE x.seed_id = $1)`,
    [user.id, user.email],
  );
  const existing = await client.query<{ password_hash: string; recorded_hash: string | null; fingerprint: string | null }>(
    `SELECT u.password_hash, s.password_hash AS recorded_hash, s.fingerprint
       FROM users u LEFT JOIN ${hooksSchema}.seed_passwords s ON s.seed_id = u.seed_id WHERE u.seed_id = $1`,
    [user.id],
  );
  const current = existing.rows[0];
  const fingerprint = fingerprintKey === undefined ? undefined : passwordFingerprint(fingerprintKey, user.id, password);
  // A hash of another cost (an earlier chart's) is rewritten at this one.
  const reusable = current !== undefined && bcrypt.getRounds(current.password_hash) === bcryptCost ? current : undefined;
  const byFingerprint =
    reusable !== undefined &&
    fingerprint !== undefined &&
    reusable.recorded_hash === reusable.password_hash &&
    sameText(reusable.fingerprint ?? '', fingerprint);
  const keepHash = byFingerprint || (reusable !== undefined && (await bcrypt.compare(password, reusable.password_hash)));
  const hash = keepHash && reusable ? reusable.password_hash : await bcrypt.hash(password, bcryptCost);
  if (fingerprint !== undefined && !byFingerprint) {
    await client.query(
      `INSERT INTO ${hooksSchema}.seed_passwords (seed_id, password_hash, fingerprint) VALUES ($1, $2, $3)
       ON CONFLICT (seed_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, fingerprint = EXCLUDED.fingerprint`,
      [user.id, hash, fingerprint],
    );
  }
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO users (seed_id, email, password_hash, role, full_name)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (seed_id) DO UPDATE
       SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, full_name = EXCLUDED.full_name
     RETURNING id`,
    [user.id, user.email, hash, user.role, user.fullName],
  );
  const userId = rows[0]!.id;
  if (user.teacher) {
    await client.query(
      `INSERT INTO teachers (user_id, subject_expertise, years_experience) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET subject_expertise = EXCLUDED.subject_expertise, years_experience = EXCLUDED.years_experience`,
      [userId, user.teacher.subjectExpertise, user.teacher.yearsExperience],
    );
  }
  if (user.student) {
    await client.query(
      `INSERT INTO students (user_id, grade_level, learning_pace) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET grade_level = EXCLUDED.grade_level, learning_pace = EXCLUDED.learning_pace`,
      [userId, user.student.gradeLevel, user.student.learningPace],
    );
  }
  return byFingerprint ? 'unchanged by fingerprint' : keepHash ? 'unchanged by bcrypt' : 'written';
}
