import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicSpec } from '../../hooks/kafka/catalogue.js';
import { chartValues } from './chart.js';

/**
 * The chart's topic catalogue (values.yaml), each name under a fresh prefix so that tests sharing
 * a broker never touch each other's topics.
 */
export async function chartCatalogue(prefix = uniquePrefix()): Promise<TopicSpec[]> {
  const { kafkaTopics } = await chartValues();
  return Object.entries(kafkaTopics.topics).map(([name, topic]) => ({
    name: `${prefix}${name}`,
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor ?? kafkaTopics.replicationFactor,
    config: topic.config ?? {},
  }));
}

export function uniquePrefix(): string {
  return `t${randomBytes(4).toString('hex')}.`;
}

/** Writes a catalogue where the hooks program reads it, returning the path. */
export async function writeCatalogue(topics: readonly unknown[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'learnflow-catalogue-')), 'topics.json');
  await writeFile(path, JSON.stringify({ topics }));
  return path;
}
