import { describe, expect, it } from 'vitest';
import type { TopicSpec } from '../../../../hooks/kafka/catalogue.js';
import type { TopicPlan } from '../../../../hooks/kafka/plan.js';
import { managedKeysAfter, parseManagedKeys, topicsStatus } from '../../../../hooks/kafka/state.js';

const spec: TopicSpec = { name: 'a', partitions: 1, replicationFactor: 1, config: { 'segment.ms': '1', 'retention.ms': '2' } };
const emptyPlan: TopicPlan = { changes: [], refusals: [], inSync: [], foreign: [], unmanaged: [], deletions: [] };
const time = new Date('2026-12-03T12:00:00Z');

describe('the recorded keys', () => {
  it('read back what was written, and read nothing usable as nothing recorded', () => {
    const written = managedKeysAfter([spec], { ...emptyPlan, unmanaged: ['old'] }, new Map([['old', ['cleanup.policy']]]));
    expect(written).toBe('{"topics":{"a":["retention.ms","segment.ms"],"old":["cleanup.policy"]}}');
    expect(parseManagedKeys(written)).toEqual(
      new Map([
        ['a', ['retention.ms', 'segment.ms']],
        ['old', ['cleanup.policy']],
      ]),
    );
    expect(parseManagedKeys(undefined)).toBeUndefined();
    expect(parseManagedKeys('not json')).toBeUndefined();
    expect(parseManagedKeys('{"topics": []}')).toBeUndefined();
    expect(parseManagedKeys('{"topics": {"a": [1], "b": ["x"]}}')).toEqual(new Map([['b', ['x']]]));
  });

  it('forget a topic that is neither in the catalogue nor in Kafka', () => {
    expect(managedKeysAfter([spec], emptyPlan, new Map([['gone', ['x']]]))).toBe('{"topics":{"a":["retention.ms","segment.ms"]}}');
  });
});

describe('topicsStatus', () => {
  it('gives each topic one outcome, its weightiest, with every detail', () => {
    const plan: TopicPlan = {
      changes: [
        { kind: 'create', topic: { ...spec, name: 'new' } },
        { kind: 'add-partitions', topic: 'a', from: 1, to: 2 },
      ],
      refusals: [],
      inSync: ['b'],
      foreign: [{ topic: 'a', key: 'cleanup.policy', value: 'compact' }],
      unmanaged: ['old'],
      deletions: ['retired'],
    };
    expect(topicsStatus(plan, [], time)).toEqual({
      inSync: false,
      time: '2026-12-03T12:00:00.000Z',
      topics: [
        {
          topic: 'a',
          outcome: 'updated',
          details: ['add partitions to a: 1 -> 2', 'cleanup.policy=compact was set outside the catalogue: left as it is'],
          foreign: { 'cleanup.policy': 'compact' },
        },
        { topic: 'b', outcome: 'unchanged', details: [] },
        { topic: 'new', outcome: 'created', details: ['create new (partitions 1, replication factor 1, segment.ms=1, retention.ms=2)'] },
        {
          topic: 'old',
          outcome: 'unmanaged',
          details: ['no longer in the catalogue: left as it is (kafka-topics.sh --delete removes it, if nothing needs it)'],
        },
        {
          topic: 'retired',
          outcome: 'deleted',
          details: ['no longer in the catalogue, and kafkaTopics.deleteUnmanaged lists it: deleted with its messages'],
        },
      ],
    });
  });

  it('marks every planned change not applied when anything is refused', () => {
    const plan: TopicPlan = { ...emptyPlan, changes: [{ kind: 'create', topic: spec }], inSync: ['b'] };
    const status = topicsStatus(
      plan,
      [{ topic: 'b', key: 'retention.ms', value: 'x', reason: 'INVALID_CONFIG: Configuration is invalid' }],
      time,
    );
    expect(status.inSync).toBe(false);
    expect(status.topics.map(({ topic, outcome }) => `${topic} ${outcome}`)).toEqual(['a not-applied', 'b refused']);
    expect(status.topics[1]!.details).toEqual(['topic b config retention.ms=x: INVALID_CONFIG: Configuration is invalid']);
  });
});
