// What the topic hook keeps between runs, in the ConfigMap it owns in the release's namespace
// (<release>-kafka-topics-state): the config keys it set on each topic, which make its plan
// three-way (plan.ts), and the outcome of its last run per topic, for users and for
// `learnflow-infra verify`. Pure: reading and writing the ConfigMap is the command's.
import type { TopicOutcome, TopicReport, TopicsStatus } from '../../common/topic-status.js';
import { isRecord } from '../lib/json-shapes.js';
import type { TopicSpec } from './catalogue.js';
import { describeChange, describeInvalid, type InvalidChange, type ManagedKeys, type TopicPlan } from './plan.js';

/**
 * The recorded keys in `text` (managed.json: {"topics": {"<topic>": ["<key>", ...]}}), or
 * undefined when nothing usable is recorded: then no key counts as set by the hook, so none is
 * reset, which is the safe side.
 */
export function parseManagedKeys(text: string | undefined): ManagedKeys | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed['topics'])) return undefined;
  const entries = Object.entries(parsed['topics']).filter(
    (entry): entry is [string, string[]] => Array.isArray(entry[1]) && entry[1].every((key) => typeof key === 'string'),
  );
  return new Map(entries);
}

/**
 * The keys to record after a run that applied `plan`: each catalogue topic's config keys, and the
 * record of each topic no longer in the catalogue that still exists (so it goes on being reported
 * as unmanaged, and its keys are known should it come back).
 */
export function managedKeysAfter(desired: readonly TopicSpec[], plan: TopicPlan, before: ManagedKeys = new Map()): string {
  const topics: Record<string, string[]> = {};
  for (const name of plan.unmanaged) topics[name] = [...(before.get(name) ?? [])];
  for (const topic of desired) topics[topic.name] = Object.keys(topic.config).sort();
  return JSON.stringify({ topics: Object.fromEntries(Object.entries(topics).sort(([a], [b]) => a.localeCompare(b))) });
}

/**
 * Each topic's outcome of a run that planned `plan`: applied unless something was refused (then
 * nothing was, and the topics that would have changed are not-applied), and Kafka's refusals
 * when it validated the changes.
 */
export function topicsStatus(plan: TopicPlan, invalid: readonly InvalidChange[], time: Date): TopicsStatus {
  const refused = plan.refusals.length > 0 || invalid.length > 0;
  const reports = new Map<string, TopicReport>();
  // A topic's outcome is the weightiest of what happened to it: a refusal over a change over none.
  const weight = (outcome: TopicOutcome) => (outcome === 'refused' ? 2 : outcome === 'unchanged' ? 0 : 1);
  const report = (topic: string, outcome: TopicOutcome) => {
    const entry = reports.get(topic) ?? { topic, outcome, details: [] };
    if (weight(outcome) > weight(entry.outcome)) entry.outcome = outcome;
    reports.set(topic, entry);
    return entry;
  };
  for (const name of plan.inSync) report(name, 'unchanged');
  for (const change of plan.changes) {
    const name = change.kind === 'create' ? change.topic.name : change.topic;
    const outcome = refused ? 'not-applied' : change.kind === 'create' ? 'created' : 'updated';
    report(name, outcome).details.push(describeChange(change));
  }
  for (const refusal of plan.refusals) report(refusal.topic, 'refused').details.push(refusal.reason);
  for (const change of invalid) report(change.topic, 'refused').details.push(describeInvalid(change));
  for (const { topic, key, value } of plan.foreign) {
    const entry = report(topic, 'unchanged');
    entry.details.push(`${key}=${value} was set outside the catalogue: left as it is`);
    entry.foreign = { ...entry.foreign, [key]: value };
  }
  for (const name of plan.deletions) {
    report(name, refused ? 'not-applied' : 'deleted').details.push(
      'no longer in the catalogue, and kafkaTopics.deleteUnmanaged lists it: deleted with its messages',
    );
  }
  for (const name of plan.unmanaged) {
    report(name, 'unmanaged').details.push(
      'no longer in the catalogue: left as it is (kafka-topics.sh --delete removes it, if nothing needs it)',
    );
  }
  const topics = [...reports.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  const inSync = !refused && plan.foreign.length === 0;
  return { inSync, time: time.toISOString(), topics };
}
