import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatalogue, type TopicSpec } from '../../hooks/kafka/catalogue.js';
import { find, render } from './chart.js';

let rendered: Promise<TopicSpec[]> | undefined;

/**
 * The chart's topic catalogue as the chart renders it from values.yaml, each name under a fresh
 * prefix so that tests sharing a broker never touch each other's topics.
 */
export async function chartCatalogue(prefix = uniquePrefix()): Promise<TopicSpec[]> {
  rendered ??= render().then((objects) => {
    const data = find(objects, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>;
    return parseCatalogue(data['topics.json']!, 'the rendered ConfigMap');
  });
  return (await rendered).map((topic) => ({ ...topic, name: `${prefix}${topic.name}` }));
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
