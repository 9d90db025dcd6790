import { describe, expect, it } from 'vitest';
import type { TopicsStatus } from '../../../../common/topic-status.js';
import { topicsCheck } from '../../../../deploy/flows/verify.js';

const time = '2026-12-03T12:00:00.000Z';
const recorded = (status: TopicsStatus) => ({ name: 'learnflow-kafka-topics-state', text: JSON.stringify(status) });

describe("the topics check, from the topic hook's recorded status", () => {
  it('passes, naming keys set outside the catalogue and topics no longer managed', () => {
    const status: TopicsStatus = {
      inSync: false,
      time,
      topics: [
        { topic: 'a', outcome: 'updated', details: ['x'], foreign: { 'cleanup.policy': 'compact' } },
        { topic: 'b', outcome: 'unchanged', details: [] },
        { topic: 'old', outcome: 'unmanaged', details: ['no longer in the catalogue'] },
      ],
    };
    expect(topicsCheck(recorded(status))).toEqual({
      name: 'topics',
      ok: true,
      detail:
        `2 catalogue topic(s) as declared (the topic hook's run of ${time}); set outside the catalogue, left as they are: ` +
        'a cleanup.policy=compact; no longer in the catalogue, left as they are: old',
    });
  });

  it('fails on a refused run, with each refusal', () => {
    const status: TopicsStatus = {
      inSync: false,
      time,
      topics: [
        { topic: 'a', outcome: 'refused', details: ['Kafka cannot remove partitions'] },
        { topic: 'b', outcome: 'not-applied', details: ['create b'] },
      ],
    };
    expect(topicsCheck(recorded(status))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('refused: a (Kafka cannot remove partitions)'),
    });
  });

  it('is not made without a recorded status, and fails on one that is not a status', () => {
    expect(topicsCheck(undefined)).toBeUndefined();
    for (const text of ['{}', 'not json', '{"time": "t", "topics": [{"topic": 1}]}']) {
      expect(topicsCheck({ name: 'learnflow-kafka-topics-state', text })).toEqual({
        name: 'topics',
        ok: false,
        detail: 'ConfigMap learnflow-kafka-topics-state holds no status the topic hook wrote: run up again, and the hook writes it anew',
      });
    }
  });
});
