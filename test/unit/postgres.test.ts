import { describe, expect, it } from 'vitest';
import { classifyPostgresqlFailure } from '../../hooks/postgresql/failures.js';
import { schemaDifferences } from '../../hooks/postgresql/schema.js';
import { parseTopicSeeds, parseUserSeeds } from '../../hooks/postgresql/seeds.js';
import { ActionableError, ExitCode } from '../../common/errors.js';

const source = { user: 'learnflow', description: 'Secret learnflow-credentials, key password' };
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyPostgresqlFailure', () => {
  it('waits out a server that is starting, restarting or unreachable', () => {
    for (const error of [
      pgError('57P03', 'the database system is starting up'),
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pgError('57P01', 'terminating connection due to administrator command'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(classifyPostgresqlFailure(error, source).retriable, error.message).toBe(true);
    }
    expect(classifyPostgresqlFailure(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), source).hint).toContain('does not resolve');
  });

  it('fails fast on a wrong password, naming where it came from', () => {
    expect(classifyPostgresqlFailure(pgError('28P01', 'password authentication failed for user "learnflow"'), source)).toEqual({
      retriable: false,
      reason: 'PostgreSQL rejected the password of user learnflow: password authentication failed for user "learnflow"',
      hint: expect.stringContaining('the password comes from Secret learnflow-credentials, key password'),
    });
  });

  it('fails fast on anything else, with the SQLSTATE', () => {
    expect(classifyPostgresqlFailure(pgError('42P01', 'relation "users" does not exist'), source)).toMatchObject({
      retriable: false,
      reason: 'PostgreSQL error 42P01: relation "users" does not exist',
    });
  });
});

describe('schemaDifferences', () => {
  it('names missing tables and columns', () => {
    const actual = new Map([['users', new Set(['id', 'email'])]]);
    const differences = schemaDifferences(actual);
    expect(differences).toContain('column users.password_hash is missing');
    expect(differences).toContain('table topics is missing');
    expect(differences).not.toContain('column users.email is missing');
  });
});

describe('seed files', () => {
  const topic = { moduleNumber: 1, moduleName: 'Basics', topicName: 'Operators', difficultyLevel: 1, description: 'x', prerequisites: [] };

  it('refuse prerequisites that are not earlier topics, naming the topic', () => {
    const text = JSON.stringify({
      topics: [
        { ...topic, prerequisites: ['Loops'] },
        { ...topic, topicName: 'Operators', difficultyLevel: 9 },
      ],
    });
    const error = (() => {
      try {
        parseTopicSeeds(text, 'topics.json');
      } catch (caught) {
        return caught as ActionableError;
      }
      throw new Error('accepted');
    })();
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.message).toContain('topics[0] ("Operators"): prerequisite "Loops" is not an earlier topic');
    expect(error.message).toContain(
      'topics[1] ("Operators"): difficultyLevel must be a whole number from 1 to 5; topics[1] ("Operators"): the topic name is used twice',
    );
  });

  it('refuse users whose role and rows disagree, or whose email repeats in another case', () => {
    const user = {
      email: 'a@learnflow.com',
      fullName: 'A',
      role: 'student',
      passwordKey: 'a',
      student: { gradeLevel: '9', learningPace: 'fast' },
    };
    const text = JSON.stringify({
      users: [user, { ...user, email: 'A@LearnFlow.com' }, { ...user, email: 'b@learnflow.com', role: 'teacher' }],
    });
    expect(() => parseUserSeeds(text, 'test-users.json')).toThrow(/users\[1\] \(A@LearnFlow.com\): the email is used twice/);
    expect(() => parseUserSeeds(text, 'test-users.json')).toThrow(/a teacher, and only a teacher, has a teacher row/);
  });
});
