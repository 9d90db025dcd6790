import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { isRecord, isWholeNumber } from '../lib/json-shapes.js';
import { readMountedFile } from '../lib/mounted-file.js';

/** A curriculum topic; prerequisites name earlier topics. `id` is its identity, kept across renames. */
export interface TopicSeed {
  id: string;
  moduleNumber: number;
  moduleName: string;
  topicName: string;
  difficultyLevel: number;
  description: string;
  prerequisites: readonly string[];
}

export const roles = ['student', 'teacher', 'admin'] as const;
const learningPaces = ['slow', 'medium', 'fast'] as const;

/** A test user; its password is the credentials Secret's key `passwordKey`. `id` is its identity, kept across renames. */
export interface UserSeed {
  id: string;
  email: string;
  fullName: string;
  role: (typeof roles)[number];
  passwordKey: string;
  teacher?: { subjectExpertise: readonly string[]; yearsExperience: number };
  student?: { gradeLevel: string; learningPace: (typeof learningPaces)[number] };
}

/** Parses and checks seeds/topics.json: unique names, prerequisites that point at earlier topics. */
export function parseTopicSeeds(text: string, source: string): TopicSeed[] {
  const topics = listIn(text, source, 'topics');
  const problems: string[] = [];
  const seen = new Set<string>();
  const ids = new Set<string>();
  topics.forEach((topic, index) => {
    const label = `topics[${index}]${isRecord(topic) && typeof topic['topicName'] === 'string' ? ` ("${topic['topicName']}")` : ''}`;
    const problem = (message: string) => problems.push(`${label}: ${message}`);
    if (!isRecord(topic)) return problem('must be an object');
    checkIdentity(topic['id'], ids, problem);
    if (!isWholeNumber(topic['moduleNumber'], 1)) problem('moduleNumber must be a whole number of 1 or more');
    for (const key of ['moduleName', 'topicName', 'description']) {
      if (typeof topic[key] !== 'string' || topic[key] === '') problem(`${key} must be a non-empty string`);
    }
    if (!isWholeNumber(topic['difficultyLevel'], 1, 5)) problem('difficultyLevel must be a whole number from 1 to 5');
    const prerequisites = topic['prerequisites'];
    if (!Array.isArray(prerequisites)) problem('prerequisites must be a list of earlier topic names');
    else
      for (const name of prerequisites)
        if (typeof name !== 'string' || !seen.has(name)) problem(`prerequisite "${String(name)}" is not an earlier topic`);
    if (seen.has(topic['topicName'] as string)) problem('the topic name is used twice');
    seen.add(topic['topicName'] as string);
  });
  if (problems.length > 0) throw invalid(source, problems);
  return topics as TopicSeed[];
}

/** Parses and checks seeds/test-users.json: one user per email, each role's own row. */
export function parseUserSeeds(text: string, source: string): UserSeed[] {
  const users = listIn(text, source, 'users');
  const problems: string[] = [];
  const emails = new Set<string>();
  const ids = new Set<string>();
  users.forEach((user, index) => {
    const label = `users[${index}]${isRecord(user) && typeof user['email'] === 'string' ? ` (${user['email']})` : ''}`;
    const problem = (message: string) => problems.push(`${label}: ${message}`);
    if (!isRecord(user)) return problem('must be an object');
    checkIdentity(user['id'], ids, problem);
    const email = user['email'];
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) problem('email must be an address');
    else if (emails.has(email.toLowerCase())) problem('the email is used twice');
    else emails.add(email.toLowerCase());
    if (typeof user['fullName'] !== 'string') problem('fullName must be a string');
    if (!roles.includes(user['role'] as UserSeed['role'])) problem(`role must be one of ${roles.join(', ')}`);
    if (typeof user['passwordKey'] !== 'string' || !/^[-._a-zA-Z0-9]+$/.test(user['passwordKey'])) {
      problem('passwordKey must name a key of the credentials Secret');
    }
    const teacher = user['teacher'];
    if (
      teacher !== undefined &&
      (!isRecord(teacher) || !Array.isArray(teacher['subjectExpertise']) || !isWholeNumber(teacher['yearsExperience'], 0))
    ) {
      problem('teacher must have subjectExpertise (a list) and yearsExperience (0 or more)');
    }
    const student = user['student'];
    if (student !== undefined && (!isRecord(student) || !learningPaces.includes(student['learningPace'] as never))) {
      problem(`student must have a learningPace of ${learningPaces.join(', ')}`);
    }
    if ((teacher !== undefined) !== (user['role'] === 'teacher')) problem('a teacher, and only a teacher, has a teacher row');
    if ((student !== undefined) !== (user['role'] === 'student')) problem('a student, and only a student, has a student row');
  });
  if (problems.length > 0) throw invalid(source, problems);
  return users as UserSeed[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A seeded row's identity: a UUID of its own, given once and never changed (a rename keeps it). */
function checkIdentity(id: unknown, seen: Set<string>, problem: (message: string) => void): void {
  if (typeof id !== 'string' || !uuidPattern.test(id)) return problem('id must be a UUID of its own, in lowercase (uuidgen | tr A-F a-f)');
  if (seen.has(id)) problem(`the id ${id} is used twice`);
  seen.add(id);
}

function listIn(text: string, source: string, key: string): unknown[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(source, [`it is not JSON (${(error as Error).message})`]);
  }
  const list = isRecord(document) ? document[key] : undefined;
  if (!Array.isArray(list)) throw invalid(source, [`it must be an object with a "${key}" list`]);
  return list;
}

function invalid(source: string, problems: readonly string[]): ActionableError {
  return new ActionableError(
    `the seed file ${source} is invalid: ${problems.join('; ')}`,
    'fix the seed file in the chart (seeds/) and upgrade',
    [],
    ExitCode.invalidInput,
  );
}

export interface Seeds {
  topics: TopicSeed[];
  users: UserSeed[];
}

/** Reads and checks the seed files; without test users, `users` is empty. */
export async function loadSeeds(dir: string, testUsers: boolean): Promise<Seeds> {
  const read = async (file: string) => {
    const path = join(dir, file);
    try {
      return [await readFile(path, 'utf8'), path] as const;
    } catch (error) {
      throw new ActionableError(
        `cannot read the seed file ${path}: ${(error as Error).message}`,
        "the Job mounts the chart's seeds ConfigMap there",
        [],
        ExitCode.invalidInput,
      );
    }
  };
  const topics = parseTopicSeeds(...(await read('topics.json')));
  const users = testUsers ? parseUserSeeds(...(await read('test-users.json'))) : [];
  return { topics, users };
}

/** The credentials Secret's key that keys the test users' password fingerprints; without it, every run compares with bcrypt. */
const fingerprintKeyName = 'test-users-key';

/** A key of the credentials Secret, as the Job mounts it in `credentialsDir`. */
const credentialsKey = (credentialsDir: string, key: string) => ({
  what: `the credentials key ${key}`,
  path: join(credentialsDir, key),
  from: `the credentials Secret, key ${key}`,
});

/** The key of the test users' password fingerprints, when the Secret holds a usable one. */
export async function fingerprintKey(credentialsDir: string | undefined): Promise<string | undefined> {
  if (!credentialsDir) return undefined;
  const key = await readMountedFile(credentialsKey(credentialsDir, fingerprintKeyName));
  return key !== undefined && key.length >= 16 ? key : undefined;
}

/** Each test user's password from the mounted Secret; every missing or unusable one is named at once. */
export async function testUserPasswords(
  users: readonly UserSeed[],
  credentialsDir: string | undefined,
): Promise<{ seed: UserSeed; password: string }[]> {
  if (users.length === 0) return [];
  if (!credentialsDir) {
    throw new ActionableError(
      'test users need their passwords',
      'pass --credentials-dir (the mounted credentials Secret), or --no-test-users',
      [],
      ExitCode.invalidInput,
    );
  }
  const read = await Promise.all(
    users.map(async (seed) => {
      const file = credentialsKey(credentialsDir, seed.passwordKey);
      const password = await readMountedFile(file);
      if (password === undefined) return { seed, problem: `${file.path} is missing` };
      return password.length < 8 ? { seed, problem: `${file.path} is shorter than 8 characters` } : { seed, password };
    }),
  );
  const unusable = read.filter((entry): entry is { seed: UserSeed; problem: string } => 'problem' in entry);
  if (unusable.length > 0) {
    throw new ActionableError(
      `no usable password for test user(s): ${unusable.map(({ seed, problem }) => `${seed.email} (${problem})`).join('; ')}`,
      `the credentials Secret needs the key(s) ${unusable.map(({ seed }) => seed.passwordKey).join(', ')}; ` +
        'or turn test users off (postgresqlSchema.testUsers.enabled=false)',
      [],
      ExitCode.invalidInput,
    );
  }
  return read as { seed: UserSeed; password: string }[];
}
