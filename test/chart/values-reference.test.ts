import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { valueAt, valuesReference } from '../../scripts/docs/values-reference.mjs';
import { repoRoot } from '../support/paths.js';

const valuesText = () => readFile(join(repoRoot, 'values.yaml'), 'utf8');

/** Our own sections; kafka, postgresql and dapr are the subcharts', documented by them. */
const ownSections = [
  'global',
  'nameOverride',
  'fullnameOverride',
  'clusterDomain',
  'hooks',
  'networkPolicy',
  'credentials',
  'database',
  'kafkaTopics',
  'daprComponents',
  'tests',
];

function leaves(value: unknown, path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, `${path}.${key}`));
}

describe('the values reference (docs/values.md)', () => {
  it("is what values.yaml's comments generate (npm run docs:values)", async () => {
    expect(await readFile(join(repoRoot, 'docs/values.md'), 'utf8')).toBe(valuesReference(await valuesText()));
  });

  it('documents every value of our own sections, itself or through a documented parent', async () => {
    const text = await valuesText();
    const values = parse(text) as Record<string, unknown>;
    const documented = [...text.matchAll(/## @param (\S+)/g)].map((match) => match[1]!);
    const undocumented = ownSections
      .filter((section) => section in values)
      .flatMap((section) => leaves(values[section], section))
      .filter((leaf) => !documented.some((key) => leaf === key || leaf.startsWith(`${key}.`)));
    expect(undocumented).toEqual([]);
  });

  it('refuses a comment for a value that does not exist, so the page cannot drift', () => {
    expect(
      valueAt({ kafkaTopics: { topics: { 'learning.query': { partitions: 3 } } } }, 'kafkaTopics.topics.learning.query.partitions'),
    ).toEqual({ found: true, value: 3 });
    expect(() => valuesReference('## @section A\n## @param gone Was removed\nkept: 1\n')).toThrow(
      'values.yaml: @param gone names no value',
    );
  });
});
