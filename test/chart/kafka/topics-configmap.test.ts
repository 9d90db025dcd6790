import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../hooks/kafka/catalogue.js';
import { chartValues, find, render } from '../../support/chart.js';

describe('the rendered topic catalogue', () => {
  it('is every topic of values.yaml, as the hooks program reads it', async () => {
    const configMap = find(await render(), 'ConfigMap', 'learnflow-kafka-topics');
    const topics = parseCatalogue((configMap['data'] as Record<string, string>)['topics.json']!, 'rendered ConfigMap');
    const { kafkaTopics } = await chartValues();
    expect(topics).toHaveLength(9);
    expect(Object.fromEntries(topics.map(({ name, ...rest }) => [name, rest]))).toEqual(
      Object.fromEntries(
        Object.entries(kafkaTopics.topics).map(([name, topic]) => [
          name,
          { partitions: topic.partitions, replicationFactor: kafkaTopics.replicationFactor, config: topic.config },
        ]),
      ),
    );
  });

  it('lets one topic override the replication factor', async () => {
    const configMap = find(
      await render({ set: ['kafkaTopics.topics.learning\\.query.replicationFactor=3'] }),
      'ConfigMap',
      'learnflow-kafka-topics',
    );
    const topics = parseCatalogue((configMap['data'] as Record<string, string>)['topics.json']!, 'rendered ConfigMap');
    expect(topics.find((topic) => topic.name === 'learning.query')?.replicationFactor).toBe(3);
    expect(topics.find((topic) => topic.name === 'learning.response')?.replicationFactor).toBe(1);
  });
});
