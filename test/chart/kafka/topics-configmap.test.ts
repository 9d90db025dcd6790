import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../hooks/kafka/catalogue.js';
import { chartValues, find, render } from '../../support/chart.js';
import { catalogueTopics } from '../../support/contract.js';

describe('the rendered topic catalogue', () => {
  it('is every topic of values.yaml, as the hooks program reads it', async () => {
    const configMap = find(await render(), 'ConfigMap', 'learnflow-kafka-topics');
    const topics = parseCatalogue((configMap['data'] as Record<string, string>)['topics.json']!, 'rendered ConfigMap');
    const { kafkaTopics } = await chartValues();
    expect(topics).toHaveLength(catalogueTopics.length);
    expect(Object.fromEntries(topics.map(({ name, ...rest }) => [name, rest]))).toEqual(
      Object.fromEntries(
        Object.entries(kafkaTopics.topics).map(([name, topic]) => [
          name,
          {
            partitions: topic.partitions,
            replicationFactor: kafkaTopics.replicationFactor,
            config: { ...topic.config, 'min.insync.replicas': '1' },
          },
        ]),
      ),
    );
  });

  it('lets one topic override the replication factor', async () => {
    const configMap = find(
      await render({ set: ['kafka.broker.replicaCount=3', 'kafkaTopics.topics.learning\\.query.replicationFactor=3'] }),
      'ConfigMap',
      'learnflow-kafka-topics',
    );
    const topics = parseCatalogue((configMap['data'] as Record<string, string>)['topics.json']!, 'rendered ConfigMap');
    expect(topics.find((topic) => topic.name === 'learning.query')?.replicationFactor).toBe(3);
    expect(topics.find((topic) => topic.name === 'learning.response')?.replicationFactor).toBe(1);
  });

  it('gives each topic a min.insync.replicas that follows its replication factor, unless its config sets one', async () => {
    const catalogue = async (set: string[]) => {
      const configMap = find(await render({ set: ['kafka.broker.replicaCount=5', ...set] }), 'ConfigMap', 'learnflow-kafka-topics');
      const topics = parseCatalogue((configMap['data'] as Record<string, string>)['topics.json']!, 'rendered ConfigMap');
      return Object.fromEntries(topics.map((topic) => [topic.name, topic.config['min.insync.replicas']]));
    };
    const byFactor = await Promise.all(
      [1, 2, 3, 5].map(async (factor) => (await catalogue([`kafkaTopics.replicationFactor=${factor}`]))['learning.query']),
    );
    expect(byFactor).toEqual(['1', '1', '2', '2']);
    const set = await catalogue([
      'kafkaTopics.replicationFactor=3',
      'kafkaTopics.topics.learning\\.query.config.min\\.insync\\.replicas=3',
    ]);
    expect([set['learning.query'], set['learning.response']]).toEqual(['3', '2']);
  });
});
