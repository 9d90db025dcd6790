import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigResourceTypes } from '../../hooks/kafka/kafkajs.js';
import { render, renderError } from '../support/chart.js';
import { withTestAdmin } from '../support/kafka-admin.js';
import { repoRoot } from '../support/paths.js';

// values.schema.json names Kafka's topic-level configs and their value types so that `helm
// install` refuses a misspelt key or a malformed value before anything reaches the broker. The
// broker is the authority: the schema must know exactly its names, accept its defaults and refuse
// what it refuses.

const brokers = inject('kafkaBrokers').kraft;

async function schemaKeys(): Promise<string[]> {
  const schema = JSON.parse(await readFile(join(repoRoot, 'values.schema.json'), 'utf8')) as {
    definitions: { topicConfig: { properties: Record<string, unknown> } };
  };
  return Object.keys(schema.definitions.topicConfig.properties).sort();
}

/** Every topic-level config of a new topic, with the broker's default value. */
async function brokerDefaults(): Promise<Record<string, string>> {
  return withTestAdmin(brokers, async (admin) => {
    const topic = `schema-defaults-${Date.now()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    await admin.deleteTopics({ topics: [topic] });
    return Object.fromEntries(resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue ?? '']));
  });
}

/** --set arguments that give topic learning.query each of `config`'s keys. */
const setConfig = (config: Record<string, string>) =>
  Object.entries(config).map(
    ([key, value]) => `kafkaTopics.topics.learning\\.query.config.${key.replaceAll('.', '\\.')}=${value.replaceAll(',', '\\,')}`,
  );

describe("the schema's topic configs, against a real Kafka 3.9 broker", () => {
  it("names exactly the broker's topic-level configs", async () => {
    expect(await schemaKeys()).toEqual(Object.keys(await brokerDefaults()).sort());
  });

  it("accepts the broker's default value of every key", async () => {
    const objects = await render({ set: setConfig(await brokerDefaults()) });
    expect(objects.some((object) => object.metadata.name === 'learnflow-kafka-topics')).toBe(true);
  });

  it('refuses, naming the topic and the key, every value the broker refuses as not of its type', async () => {
    const keys = await schemaKeys();
    const brokerRefused = await withTestAdmin(brokers, async (admin) => {
      const refused: string[] = [];
      for (const key of keys) {
        const topic = { topic: 'schema-probe', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: key, value: 'abc' }] };
        await admin.createTopics({ validateOnly: true, topics: [topic] }).catch((error: { errors?: { type: string }[] }) => {
          if (error.errors?.[0]?.type === 'INVALID_CONFIG') refused.push(key);
        });
      }
      return refused;
    });
    expect(brokerRefused).toEqual(keys);
    const message = await renderError({ set: setConfig(Object.fromEntries(keys.map((key) => [key, 'abc']))) });
    for (const key of keys) expect(message).toContain(`at '/kafkaTopics/topics/learning.query/config/${key}'`);
  });
});
