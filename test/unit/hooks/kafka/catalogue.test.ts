import { describe, expect, it } from 'vitest';
import { parseCatalogue, topicNameProblem } from '../../../../hooks/kafka/catalogue.js';
import { ActionableError, ExitCode } from '../../../../common/errors.js';

const parse = (topics: unknown) => parseCatalogue(JSON.stringify({ topics }), 'topics.json');

function problemsOf(topics: unknown): ActionableError {
  try {
    parse(topics);
  } catch (error) {
    if (error instanceof ActionableError) return error;
    throw error;
  }
  throw new Error('the catalogue was accepted');
}

describe('parseCatalogue', () => {
  it('accepts a valid catalogue and turns config values into Kafka strings', () => {
    const [topic] = parse([
      {
        name: 'learning.query',
        partitions: 3,
        replicationFactor: 1,
        config: { 'retention.ms': 2.592e9, 'segment.ms': '86400000', preallocate: true },
      },
    ]);
    expect(topic).toEqual({
      name: 'learning.query',
      partitions: 3,
      replicationFactor: 1,
      config: { 'retention.ms': '2592000000', 'segment.ms': '86400000', preallocate: 'true' },
    });
  });

  it('treats a missing config as none', () => {
    expect(parse([{ name: 'a', partitions: 1, replicationFactor: 1 }])[0]?.config).toEqual({});
  });

  it('names every bad entry in one error, as invalid input', () => {
    const error = problemsOf([
      { name: 'bad name', partitions: 1, replicationFactor: 1 },
      { name: 'zero', partitions: 0, replicationFactor: 1 },
      { name: 'no-rf', partitions: 2 },
      { name: 'extra', partitions: 1, replicationFactor: 1, retention: 5 },
      { name: 'nested', partitions: 1, replicationFactor: 1, config: { 'retention.ms': { a: 1 } } },
      'not an object',
    ]);
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.message).toContain('topic "bad name": name may only contain letters, digits');
    expect(error.message).toContain('topic "zero": partitions must be a whole number of 1 or more, not 0');
    expect(error.message).toContain('topic "no-rf": replicationFactor must be a whole number of 1 or more, not undefined');
    expect(error.message).toContain('topic "extra": unknown field "retention"');
    expect(error.message).toContain('topic "nested": config "retention.ms" must be a string, number or boolean');
    expect(error.message).toContain('topics[5]: must be an object');
    expect(error.fix).toContain('kafkaTopics.topics');
  });

  it('refuses names that collide in metrics, and duplicates', () => {
    const error = problemsOf([
      { name: 'a.b', partitions: 1, replicationFactor: 1 },
      { name: 'a_b', partitions: 1, replicationFactor: 1 },
      { name: 'c', partitions: 1, replicationFactor: 1 },
      { name: 'c', partitions: 1, replicationFactor: 1 },
    ]);
    expect(error.message).toContain('topics "a.b" and "a_b" differ only in "." versus "_"');
    expect(error.message).toContain('topic "c" is declared twice');
  });

  it('says what is wrong with a file that is not a catalogue', () => {
    expect(() => parseCatalogue('{', 'x.json')).toThrow(/the topic catalogue x.json is invalid: it is not JSON/);
    expect(() => parseCatalogue('[]', 'x.json')).toThrow(/must be an object with a "topics" array/);
  });
});

describe('topicNameProblem', () => {
  it.each([
    ['', 'is empty'],
    ['.', 'cannot be "." or ".."'],
    ['..', 'cannot be "." or ".."'],
    ['a/b', 'may only contain'],
    ['x'.repeat(250), 'is 250 characters long; Kafka allows 249'],
  ])('refuses %j', (name, problem) => {
    expect(topicNameProblem(name)).toContain(problem);
  });

  it('accepts the longest legal name', () => {
    expect(topicNameProblem('a-B_9.'.repeat(41) + 'abc')).toBeUndefined();
  });
});
