import { describe, expect, it } from 'vitest';
import type { TopicSpec } from '../../../../hooks/kafka/catalogue.js';
import { describeChange, describeRefusal, planTopics, withEarlierAttempts, type ObservedTopic } from '../../../../hooks/kafka/plan.js';

const spec: TopicSpec = { name: 'learning.query', partitions: 3, replicationFactor: 1, config: { 'retention.ms': '604800000' } };
const observed = (topic: Partial<ObservedTopic>): Map<string, ObservedTopic> =>
  new Map([[spec.name, { name: spec.name, partitions: 3, replicationFactor: 1, overrides: { 'retention.ms': '604800000' }, ...topic }]]);

describe('planTopics', () => {
  it('creates a missing topic', () => {
    const plan = planTopics([spec], new Map());
    expect(plan.changes).toEqual([{ kind: 'create', topic: spec }]);
    expect(describeChange(plan.changes[0]!)).toBe('create learning.query (partitions 3, replication factor 1, retention.ms=604800000)');
  });

  it('leaves a matching topic alone', () => {
    expect(planTopics([spec], observed({}))).toEqual({
      changes: [],
      refusals: [],
      inSync: ['learning.query'],
      foreign: [],
      unmanaged: [],
      deletions: [],
    });
  });

  it('grows partitions', () => {
    const plan = planTopics([spec], observed({ partitions: 2 }));
    expect(plan.changes).toEqual([{ kind: 'add-partitions', topic: 'learning.query', from: 2, to: 3 }]);
    expect(plan.inSync).toEqual([]);
  });

  it('corrects drifted configs and keeps overrides the catalogue does not name, reporting them', () => {
    const plan = planTopics([spec], observed({ overrides: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } }));
    expect(plan.foreign).toEqual([{ topic: 'learning.query', key: 'cleanup.policy', value: 'compact' }]);
    expect(plan.changes).toEqual([
      {
        kind: 'set-config',
        topic: 'learning.query',
        drift: [{ key: 'retention.ms', from: '1000', to: '604800000' }],
        overrides: { 'retention.ms': '604800000', 'cleanup.policy': 'compact' },
      },
    ]);
  });

  it('sets a config that is at the broker default', () => {
    const [change] = planTopics([spec], observed({ overrides: {} })).changes;
    expect(change && describeChange(change)).toBe('set config of learning.query: retention.ms (broker default) -> 604800000');
  });

  it('refuses to shrink partitions or change the replication factor, saying how to proceed', () => {
    const plan = planTopics([spec], observed({ partitions: 6, replicationFactor: 3 }));
    expect(plan.changes).toEqual([]);
    expect(plan.refusals.map(describeRefusal)).toEqual([
      expect.stringContaining('its replication factor is 3 and the catalogue asks for 1: changing it needs a partition reassignment'),
      expect.stringContaining(
        'it has 6 partitions and the catalogue asks for 3: Kafka cannot remove partitions; set partitions to 6 or more',
      ),
    ]);
  });

  it('plans every topic independently', () => {
    const other: TopicSpec = { ...spec, name: 'other' };
    const plan = planTopics([spec, other], observed({}));
    expect(plan.inSync).toEqual(['learning.query']);
    expect(plan.changes.map((change) => change.kind)).toEqual(['create']);
  });

  it('resets a key it set before that the catalogue no longer names, and keeps the one set by someone else', () => {
    const managed = new Map([['learning.query', ['retention.ms', 'segment.ms']]]);
    const current = observed({ overrides: { 'retention.ms': '604800000', 'segment.ms': '1000', 'cleanup.policy': 'compact' } });
    const plan = planTopics([spec], current, managed);
    expect(plan.changes).toEqual([
      {
        kind: 'set-config',
        topic: 'learning.query',
        drift: [{ key: 'segment.ms', from: '1000', to: undefined }],
        overrides: { 'retention.ms': '604800000', 'cleanup.policy': 'compact' },
      },
    ]);
    expect(describeChange(plan.changes[0]!)).toBe('set config of learning.query: segment.ms 1000 -> (broker default)');
    expect(plan.foreign).toEqual([{ topic: 'learning.query', key: 'cleanup.policy', value: 'compact' }]);
  });

  it('reports a topic it managed before that the catalogue no longer names, while it exists, and plans nothing for it', () => {
    const managed = new Map([
      ['learning.query', ['retention.ms']],
      ['old.topic', ['retention.ms']],
      ['gone.topic', []],
    ]);
    const current = new Map([...observed({}), ['old.topic', { name: 'old.topic', partitions: 1, replicationFactor: 1, overrides: {} }]]);
    const plan = planTopics([spec], current, managed);
    expect(plan.unmanaged).toEqual(['old.topic']);
    expect(plan.changes).toEqual([]);
    expect(plan.inSync).toEqual(['learning.query']);
  });

  it('deletes a topic it managed before only when deletable names it, never one it did not manage', () => {
    const managed = new Map([
      ['learning.query', ['retention.ms']],
      ['old.topic', []],
      ['kept.topic', []],
    ]);
    const other = (name: string): [string, ObservedTopic] => [name, { name, partitions: 1, replicationFactor: 1, overrides: {} }];
    const current = new Map([...observed({}), other('old.topic'), other('kept.topic'), other('someone.elses')]);
    const plan = planTopics([spec], current, managed, ['old.topic', 'someone.elses']);
    expect(plan.deletions).toEqual(['old.topic']);
    expect(plan.unmanaged).toEqual(['kept.topic']);
  });
});

describe('withEarlierAttempts', () => {
  it("adds what earlier attempts applied to the last attempt's plan, each change once", () => {
    const created = { kind: 'create' as const, topic: spec };
    const last = planTopics([spec], observed({}));
    expect(withEarlierAttempts(last, [])).toBe(last);
    expect(withEarlierAttempts(last, [{ changes: [created], deletions: ['old.topic'] }])).toEqual({
      ...last,
      changes: [created],
      deletions: ['old.topic'],
    });
    // The first attempt's creation not yet visible to the second, which made it again.
    const again = planTopics([spec], new Map());
    expect(withEarlierAttempts(again, [{ changes: [created], deletions: [] }]).changes).toEqual([created]);
  });
});
