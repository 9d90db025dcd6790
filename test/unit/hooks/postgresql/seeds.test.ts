import { describe, expect, it } from 'vitest';
import { parseTopicSeeds, parseUserSeeds } from '../../../../hooks/postgresql/seeds.js';
import { ActionableError, ExitCode } from '../../../../common/errors.js';

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
