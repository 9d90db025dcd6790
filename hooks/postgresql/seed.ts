import bcrypt from 'bcryptjs';
import type pg from 'pg';
import type { TopicSeed, UserSeed } from './seeds.js';

/**
 * bcrypt's cost factor for test users' password hashes (docs/contract.md: 10, the floor the services' own logins use). Every
 * run compares each test user's hash, in pure JavaScript: each step up doubles that time.
 */
export const bcryptCost = 10;

// Seeding runs in one transaction under this lock: concurrent runs queue, and a run cut short
// leaves nothing half-written.
export const seedLock = 0x1ea4f10;

export interface SeedResult {
  topics: number;
  users: number;
  /** Test users whose password hash was (re)written: new users, or a changed password. */
  passwordsSet: number;
}

/**
 * Upserts the curriculum topics by (module number, topic name) and the test users by email
 * (case-insensitive), with their student or teacher rows. Any number of runs leaves one row per
 * topic and per user; a password hash is only rewritten when the password or the cost changed.
 */
export async function applySeeds(
  client: pg.Client,
  topics: readonly TopicSeed[],
  users: readonly { seed: UserSeed; password: string }[],
): Promise<SeedResult> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [seedLock]);
    await upsertTopics(client, topics);
    let passwordsSet = 0;
    for (const user of users) passwordsSet += (await upsertUser(client, user.seed, user.password)) ? 1 : 0;
    await client.query('COMMIT');
    return { topics: topics.length, users: users.length, passwordsSet };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function upsertTopics(client: pg.Client, topics: readonly TopicSeed[]): Promise<void> {
  for (const topic of topics) {
    await client.query(
      `INSERT INTO topics (module_number, module_name, topic_name, description, difficulty_level)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (module_number, topic_name) DO UPDATE
         SET module_name = EXCLUDED.module_name, description = EXCLUDED.description, difficulty_level = EXCLUDED.difficulty_level`,
      [topic.moduleNumber, topic.moduleName, topic.topicName, topic.description, topic.difficultyLevel],
    );
  }
  // Prerequisites are ids, known once every topic exists.
  for (const topic of topics) {
    await client.query(
      `UPDATE topics SET prerequisites = ARRAY(
         SELECT id FROM topics WHERE topic_name = ANY($3::text[]) ORDER BY module_number, topic_name)
       WHERE module_number = $1 AND topic_name = $2`,
      [topic.moduleNumber, topic.topicName, topic.prerequisites],
    );
  }
}

/** Returns whether the password hash was written. */
async function upsertUser(client: pg.Client, user: UserSeed, password: string): Promise<boolean> {
  const existing = await client.query<{ id: string; password_hash: string }>(
    'SELECT id, password_hash FROM users WHERE lower(email) = lower($1)',
    [user.email],
  );
  const current = existing.rows[0];
  // A hash of another cost (an earlier chart's) is rewritten at this one.
  const keepHash =
    current !== undefined &&
    bcrypt.getRounds(current.password_hash) === bcryptCost &&
    (await bcrypt.compare(password, current.password_hash));
  const hash = keepHash ? current.password_hash : await bcrypt.hash(password, bcryptCost);
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO users (email, password_hash, role, full_name)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT ((lower(email))) DO UPDATE
       SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, full_name = EXCLUDED.full_name
     RETURNING id`,
    [user.email, hash, user.role, user.fullName],
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
  return !keepHash;
}
