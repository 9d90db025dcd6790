import { describe, expect, it } from 'vitest';
import { parseTopicSeeds, parseUserSeeds } from '../../../../hooks/postgresql/seeds.js';
import { ActionableError, ExitCode } from '../../../../common/errors.js';

describe('seed files', () => {
  const id = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
  const topic = {
    id,
    moduleNumber: 1,
    moduleName: 'Basics',
    topicName: 'Operators',
    difficultyLevel: 1,
    description: 'x',
    prerequisites: [],
  };

  it('refuse prerequisites that are not earlier topics, naming the topic', () => {
    const text = JSON.stringify({
      topics: [
        { ...topic, prerequisites: ['Loops'] },
        { ...topic, id: id.replace('6', '7'), topicName: 'Operators', difficultyLevel: 9 },
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
      id,
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

  it('refuse a topic or user without an identity of its own, or with one used twice', () => {
    const problems = (parse: () => unknown) => {
      try {
        parse();
      } catch (caught) {
        return (caught as ActionableError).message;
      }
      throw new Error('accepted');
    };
    const topics = JSON.stringify({
      topics: [
        { ...topic, id: undefined },
        { ...topic, topicName: 'Loops' },
        { ...topic, topicName: 'Lists' },
      ],
    });
    expect(problems(() => parseTopicSeeds(topics, 'topics.json'))).toBe(
      'the seed file topics.json is invalid: topics[0] ("Operators"): id must be a UUID of its own, in lowercase (uuidgen | tr A-F a-f); ' +
        `topics[2] ("Lists"): the id ${id} is used twice`,
    );
    const users = JSON.stringify({
      users: [{ email: 'a@learnflow.com', fullName: 'A', role: 'admin', passwordKey: 'a', id: id.toUpperCase() }],
    });
    expect(problems(() => parseUserSeeds(users, 'test-users.json'))).toContain('users[0] (a@learnflow.com): id must be a UUID of its own');
  });
});
