import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseTopicSeeds, parseUserSeeds, type TopicSeed, type UserSeed } from '../../hooks/postgresql/seeds.js';
import { createdTables } from '../../scripts/docs/contract.mjs';
import { repoRoot } from './paths.js';

// What docs/contract.md states, read from where scripts/docs/contract.mjs reads it: the topic catalogue
// from values.yaml, the tables from migrations/, the curriculum and the test users from seeds/.
// Tests and benchmarks take their counts from here (in their names too) rather than typing them,
// so that a topic, a table or a seed added changes them all at once.

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** The catalogue's topics, by name, as values.yaml declares them (the chart renders one per key). */
export const catalogueTopics: readonly string[] = Object.keys(
  (parse(read('values.yaml')) as { kafkaTopics: { topics: Record<string, unknown> } }).kafkaTopics.topics,
);

/** The platform's tables (in public), as migrations/ create them, in order; node-pg-migrate's record is not one of them. */
export const platformTables: readonly string[] = createdTables(
  readdirSync(join(repoRoot, 'migrations'))
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => read(join('migrations', file))),
).map((table) => table.name);

/** The curriculum topics seeds/topics.json holds. */
export const seededTopics: readonly TopicSeed[] = parseTopicSeeds(read('seeds/topics.json'), 'seeds/topics.json');

/** The test users seeds/test-users.json holds (seeded when postgresqlSchema.testUsers.enabled). */
export const testUsers: readonly UserSeed[] = parseUserSeeds(read('seeds/test-users.json'), 'seeds/test-users.json');

/** The rows a seed with the test users leaves: a topic row per curriculum topic, a user row per test user, and its role's row. */
export const seededRows = {
  topics: seededTopics.length,
  users: testUsers.length,
  students: testUsers.filter((user) => user.role === 'student').length,
  teachers: testUsers.filter((user) => user.role === 'teacher').length,
} as const;
