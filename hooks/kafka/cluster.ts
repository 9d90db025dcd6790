import type { TopicSpec } from './catalogue.js';
import { ConfigResourceTypes, ConfigSource, type Admin } from './kafkajs.js';
import type { InvalidChange, ObservedTopic, TopicChange } from './plan.js';

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
        configEntries: entries(overrides),
      })),
    });
  }
}

/** Deletes `names` with their messages; one a concurrent run deleted first is not an error. */
export async function deleteTopics(admin: Admin, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  try {
    await admin.deleteTopics({ topics: [...names], timeout: 10_000 });
  } catch (error) {
    const errors = (error as { errors?: { type?: unknown }[] }).errors ?? [error as { type?: unknown }];
    if (!errors.every((each) => each.type === 'UNKNOWN_TOPIC_OR_PARTITION')) throw error;
  }
}

/** Kafka's answers that say a request is wrong in itself; any other failure is left to the caller's retries. */
const invalidRequest = new Set(['INVALID_CONFIG', 'POLICY_VIOLATION', 'INVALID_PARTITIONS', 'INVALID_TOPIC_EXCEPTION', 'INVALID_REQUEST']);

/**
 * Asks Kafka to validate each change without applying it (validate-only CreateTopics and
 * AlterConfigs), and returns those it refuses. A refused change is narrowed to the config keys
 * Kafka refuses on their own, so the report names them; kafkajs keeps only the error code, not
 * the broker's message, so the key is found by asking again with that key alone.
 */
export async function invalidChanges(admin: Admin, changes: readonly TopicChange[]): Promise<InvalidChange[]> {
  const invalid: InvalidChange[] = [];
  for (const change of changes) {
    if (change.kind === 'create') {
      const { topic } = change;
      const create = (config: Readonly<Record<string, string>>) =>
        refusal(() => admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [toTopicConfig({ ...topic, config })] }));
      const reason = await create(topic.config);
      if (reason) invalid.push(...(await narrow(topic.name, Object.entries(topic.config), reason, create)));
    } else if (change.kind === 'set-config') {
      const alter = (config: Readonly<Record<string, string>>) =>
        refusal(() =>
          admin.alterConfigs({
            validateOnly: true,
            resources: [{ type: ConfigResourceTypes.TOPIC, name: change.topic, configEntries: entries(config) }],
          }),
        );
      const reason = await alter(change.overrides);
      // Keys going back to the broker's default cannot be invalid.
      const drifted = change.drift.flatMap(({ key, to }): [string, string][] => (to === undefined ? [] : [[key, to]]));
      if (reason) invalid.push(...(await narrow(change.topic, drifted, reason, alter)));
    }
  }
  return invalid;
}

/** The keys of `config` that `attempt` refuses alone; the whole change when the topic is refused without any, or no key alone is. */
async function narrow(
  topic: string,
  config: readonly [string, string][],
  reason: string,
  attempt: (config: Readonly<Record<string, string>>) => Promise<string | undefined>,
): Promise<InvalidChange[]> {
  const bare = await attempt({});
  if (bare) return [{ topic, reason: bare }];
  const keys: InvalidChange[] = [];
  for (const [key, value] of config) {
    const alone = await attempt({ [key]: value });
    if (alone) keys.push({ topic, key, value, reason: alone });
  }
  return keys.length > 0 ? keys : [{ topic, reason }];
}

/** Kafka's reason when it refuses `request` as invalid; undefined when it accepts it or the topic already exists (a concurrent run). */
async function refusal(request: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await request();
    return undefined;
  } catch (error) {
    // CreateTopics fails with an aggregate of per-topic errors, AlterConfigs with the error itself.
    const errors = (error as { errors?: unknown[] }).errors ?? [error];
    const types = errors.map((each) => (each as { type?: unknown }).type);
    if (types.every((type) => type === 'TOPIC_ALREADY_EXISTS')) return undefined;
    const index = types.findIndex((type) => typeof type === 'string' && invalidRequest.has(type));
    if (index < 0) throw error;
    return `${String(types[index])}: ${(errors[index] as Error).message}`;
  }
}

function entries(config: Readonly<Record<string, string>>) {
  return Object.entries(config).map(([name, value]) => ({ name, value }));
}

function toTopicConfig(topic: TopicSpec) {
  return {
    topic: topic.name,
    numPartitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    configEntries: entries(topic.config),
  };
}
