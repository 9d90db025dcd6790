import type { TopicSpec } from './catalogue.js';
import { ConfigResourceTypes, ConfigSource, type Admin } from './kafkajs.js';
import type { ObservedTopic, TopicChange } from './plan.js';

/** Reads the partitions, replication factor and config overrides of those `names` that exist. */
export async function observeTopics(admin: Admin, names: readonly string[]): Promise<Map<string, ObservedTopic>> {
  const existing = new Set(await admin.listTopics());
  const present = names.filter((name) => existing.has(name));
  if (present.length === 0) return new Map();

  const [{ topics }, { resources }] = await Promise.all([
    admin.fetchTopicMetadata({ topics: present }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    }),
  ]);
  const overridesByTopic = new Map(
    resources.map((resource) => [
      resource.resourceName,
      Object.fromEntries(
        resource.configEntries
          .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
          .map((entry) => [entry.configName, entry.configValue]),
      ),
    ]),
  );
  return new Map(
    topics.map((topic) => [
      topic.name,
      {
        name: topic.name,
        partitions: topic.partitions.length,
        replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
        overrides: overridesByTopic.get(topic.name) ?? {},
      },
    ]),
  );
}

/**
 * Applies a plan, one batched request per kind of change. A race with a concurrent run (topic
 * already created, partitions already added) is not an error: the caller observes again.
 */
export async function applyChanges(admin: Admin, changes: readonly TopicChange[]): Promise<void> {
  const creates = changes.flatMap((change) => (change.kind === 'create' ? [change.topic] : []));
  if (creates.length > 0) {
    await admin.createTopics({ topics: creates.map(toTopicConfig), waitForLeaders: true, timeout: 10_000 });
  }

  const growths = changes.flatMap((change) => (change.kind === 'add-partitions' ? [change] : []));
  if (growths.length > 0) {
    try {
      await admin.createPartitions({ topicPartitions: growths.map(({ topic, to }) => ({ topic, count: to })) });
    } catch (error) {
      // Another run grew the partitions first; the next observation shows the result.
      if ((error as { type?: unknown }).type !== 'INVALID_PARTITIONS') throw error;
    }
  }

  const configs = changes.flatMap((change) => (change.kind === 'set-config' ? [change] : []));
  if (configs.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: configs.map(({ topic, overrides }) => ({
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: Object.entries(overrides).map(([name, value]) => ({ name, value })),
      })),
    });
  }
}

function toTopicConfig(topic: TopicSpec) {
  return {
    topic: topic.name,
    numPartitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
  };
}
