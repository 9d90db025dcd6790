import { readFile } from 'node:fs/promises';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { isRecord, isWholeNumber } from '../lib/json-shapes.js';

/** One topic as the catalogue declares it; config values are Kafka's strings. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Readonly<Record<string, string>>;
}

const legalName = /^[a-zA-Z0-9._-]+$/;
const maxNameLength = 249;

/** Why Kafka would refuse `name` as a topic name, or undefined when it is legal. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > maxNameLength) return `is ${name.length} characters long; Kafka allows ${maxNameLength}`;
  if (name === '.' || name === '..') return 'cannot be "." or ".."';
  if (!legalName.test(name)) return 'may only contain letters, digits, ".", "_" and "-"';
  return undefined;
}

/**
 * Parses and validates the topic catalogue the chart mounts (`{"topics": [...]}`), reporting
 * every bad entry at once, each named, so that one fix-and-retry is enough.
 */
export function parseCatalogue(text: string, source: string): TopicSpec[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(source, [`it is not JSON (${(error as Error).message})`]);
  }
  const entries = isRecord(document) ? document['topics'] : undefined;
  if (!Array.isArray(entries)) throw invalid(source, ['it must be an object with a "topics" array']);

  const problems: string[] = [];
  const topics: TopicSpec[] = [];
  entries.forEach((entry: unknown, index) => {
    const label = isRecord(entry) && typeof entry['name'] === 'string' ? `topic "${entry['name']}"` : `topics[${index}]`;
    const entryProblems: string[] = [];
    const topic = parseTopic(entry, entryProblems);
    problems.push(...entryProblems.map((problem) => `${label}: ${problem}`));
    if (topic) topics.push(topic);
  });
  problems.push(...collisions(topics));
  if (problems.length > 0) throw invalid(source, problems);
  return topics;
}

function parseTopic(entry: unknown, problems: string[]): TopicSpec | undefined {
  if (!isRecord(entry)) {
    problems.push('must be an object with name, partitions, replicationFactor and config');
    return undefined;
  }
  const { name, partitions, replicationFactor, config = {}, ...unknown } = entry;
  for (const key of Object.keys(unknown)) problems.push(`unknown field "${key}"`);
  if (typeof name !== 'string') problems.push('name must be a string');
  else {
    const problem = topicNameProblem(name);
    if (problem) problems.push(`name ${problem}`);
  }
  if (!isWholeNumber(partitions, 1)) problems.push(`partitions must be a whole number of 1 or more, not ${JSON.stringify(partitions)}`);
  if (!isWholeNumber(replicationFactor, 1)) {
    problems.push(`replicationFactor must be a whole number of 1 or more, not ${JSON.stringify(replicationFactor)}`);
  }
  const parsedConfig = parseConfig(config, problems);
  if (problems.length > 0 || typeof name !== 'string' || !isWholeNumber(partitions, 1) || !isWholeNumber(replicationFactor, 1)) {
    return undefined;
  }
  return { name, partitions, replicationFactor, config: parsedConfig };
}

function parseConfig(config: unknown, problems: string[]): Record<string, string> {
  if (!isRecord(config)) {
    problems.push('config must be a map of Kafka topic config names to values');
    return {};
  }
  const parsed: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      parsed[key] = typeof value === 'number' ? numberToKafkaString(value) : String(value);
    } else {
      problems.push(`config "${key}" must be a string, number or boolean, not ${JSON.stringify(value)}`);
    }
  }
  return parsed;
}

/** Kafka reads plain integers; JSON may carry large ones as floats (2.592e9). */
function numberToKafkaString(value: number): string {
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

/**
 * Kafka maps "." and "_" to the same metric name, so topics that differ only there collide
 * (and the broker refuses the second); duplicates are plain mistakes.
 */
function collisions(topics: readonly TopicSpec[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const { name } of topics) {
    const metricName = name.replaceAll('.', '_');
    const earlier = seen.get(metricName);
    if (earlier === name) problems.push(`topic "${name}" is declared twice`);
    else if (earlier !== undefined) {
      problems.push(`topics "${earlier}" and "${name}" differ only in "." versus "_", which collide in Kafka's metric names`);
    } else seen.set(metricName, name);
  }
  return problems;
}

function invalid(source: string, problems: readonly string[]): ActionableError {
  return new ActionableError(
    `the topic catalogue ${source} is invalid: ${problems.join('; ')}`,
    'fix these entries under kafkaTopics.topics in the chart values (helm upgrade validates them against values.schema.json)',
    [],
    ExitCode.invalidInput,
  );
}

/** Reads and checks the catalogue file the chart mounts. */
export async function loadCatalogue(path: string): Promise<TopicSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ActionableError(
      `cannot read the topic catalogue ${path}: ${(error as Error).message}`,
      "the Job mounts it from the chart's kafka-topics ConfigMap; outside the cluster, pass --topics-file",
      [],
      ExitCode.invalidInput,
    );
  }
  return parseCatalogue(text, path);
}
