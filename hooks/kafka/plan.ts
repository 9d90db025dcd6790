import type { TopicSpec } from './catalogue.js';

/** A topic as the cluster has it. `overrides` are its topic-level configs (not defaults). */
export interface ObservedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  overrides: Readonly<Record<string, string>>;
}

export interface ConfigDrift {
  key: string;
  /** The current override, or undefined when the topic uses the broker's default. */
  from: string | undefined;
  to: string;
}

export type TopicChange =
  | { kind: 'create'; topic: TopicSpec }
  | { kind: 'add-partitions'; topic: string; from: number; to: number }
  /** `overrides` is the topic's complete override set to write: Kafka's AlterConfigs replaces it whole. */
  | { kind: 'set-config'; topic: string; drift: readonly ConfigDrift[]; overrides: Readonly<Record<string, string>> };

/** A change the catalogue asks for that this program must not make. */
export interface Refusal {
  topic: string;
  reason: string;
}

/** A change Kafka refuses to make: the config key (and its value) when one key alone is refused, and Kafka's answer. */
export interface InvalidChange {
  topic: string;
  key?: string;
  value?: string;
  reason: string;
}

export interface TopicPlan {
  changes: TopicChange[];
  refusals: Refusal[];
  /** Topics that already match the catalogue. */
  inSync: string[];
}

/**
 * What it takes to bring the cluster to the catalogue. Additive only: topics and config
 * overrides the catalogue does not name are left as they are, and nothing is deleted.
 */
export function planTopics(desired: readonly TopicSpec[], observed: ReadonlyMap<string, ObservedTopic>): TopicPlan {
  const plan: TopicPlan = { changes: [], refusals: [], inSync: [] };
  for (const topic of desired) {
    const current = observed.get(topic.name);
    if (!current) {
      plan.changes.push({ kind: 'create', topic });
      continue;
    }
    const before = plan.changes.length + plan.refusals.length;
    if (current.replicationFactor !== topic.replicationFactor) {
      plan.refusals.push({
        topic: topic.name,
        reason:
          `its replication factor is ${current.replicationFactor} and the catalogue asks for ${topic.replicationFactor}: ` +
          'changing it needs a partition reassignment (kafka-reassign-partitions.sh), which this hook does not do; ' +
          `set replicationFactor back to ${current.replicationFactor}, or reassign the partitions first`,
      });
    }
    if (topic.partitions < current.partitions) {
      plan.refusals.push({
        topic: topic.name,
        reason:
          `it has ${current.partitions} partitions and the catalogue asks for ${topic.partitions}: ` +
          'Kafka cannot remove partitions; ' +
          `set partitions to ${current.partitions} or more, or move to a new topic under another name`,
      });
    } else if (topic.partitions > current.partitions) {
      plan.changes.push({ kind: 'add-partitions', topic: topic.name, from: current.partitions, to: topic.partitions });
    }
    const drift = configDrift(topic.config, current.overrides);
    if (drift.length > 0) {
      plan.changes.push({
        kind: 'set-config',
        topic: topic.name,
        drift,
        overrides: { ...current.overrides, ...topic.config },
      });
    }
    if (plan.changes.length + plan.refusals.length === before) plan.inSync.push(topic.name);
  }
  return plan;
}

function configDrift(desired: Readonly<Record<string, string>>, overrides: Readonly<Record<string, string>>): ConfigDrift[] {
  return Object.entries(desired)
    .filter(([key, value]) => overrides[key] !== value)
    .map(([key, to]) => ({ key, from: overrides[key], to }));
}

/** One line per change or refusal, for logs and `--dry-run`. */
export function describeChange(change: TopicChange): string {
  switch (change.kind) {
    case 'create': {
      const { name, partitions, replicationFactor, config } = change.topic;
      const configText = Object.entries(config)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ');
      return `create ${name} (partitions ${partitions}, replication factor ${replicationFactor}${configText ? `, ${configText}` : ''})`;
    }
    case 'add-partitions':
      return `add partitions to ${change.topic}: ${change.from} -> ${change.to}`;
    case 'set-config':
      return `set config of ${change.topic}: ${change.drift
        .map(({ key, from, to }) => `${key} ${from ?? '(broker default)'} -> ${to}`)
        .join(', ')}`;
  }
}

export function describeRefusal(refusal: Refusal): string {
  return `refuse to change ${refusal.topic}: ${refusal.reason}`;
}

export function describeInvalid(invalid: InvalidChange): string {
  const what = invalid.key === undefined ? '' : ` config ${invalid.key}=${invalid.value ?? ''}`;
  return `topic ${invalid.topic}${what}: ${invalid.reason}`;
}
