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
  /** The catalogue's value, or undefined to go back to the broker's default (a key the hook set that the catalogue dropped). */
  to: string | undefined;
}

/** A topic-level config the catalogue does not name and the hook never set: someone else's, left as it is. */
export interface ForeignConfig {
  topic: string;
  key: string;
  value: string;
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
  /** Configs on catalogue topics that neither the catalogue nor the hook set. */
  foreign: ForeignConfig[];
  /** Topics the hook managed before that the catalogue no longer names, and that still exist: left as they are. */
  unmanaged: string[];
  /** Topics the hook managed before that the catalogue no longer names and that it may delete (kafkaTopics.deleteUnmanaged). */
  deletions: string[];
}

/** What one attempt of a run applied: a run whose later step fails is tried again whole. */
export type AppliedChanges = Pick<TopicPlan, 'changes' | 'deletions'>;

/**
 * The plan a run reports: its last attempt's, with what earlier attempts applied before they
 * failed, which the last attempt found done and would otherwise report as unchanged.
 */
export function withEarlierAttempts(last: TopicPlan, earlier: readonly AppliedChanges[]): TopicPlan {
  if (earlier.length === 0) return last;
  const changes = [...earlier.flatMap((attempt) => attempt.changes), ...last.changes];
  return {
    ...last,
    // One change made by two attempts (the first's not yet visible to the second) is reported once.
    changes: changes.filter((change, index) => changes.findIndex((other) => describeChange(other) === describeChange(change)) === index),
    deletions: [...new Set([...earlier.flatMap((attempt) => attempt.deletions), ...last.deletions])],
  };
}

/**
 * The config keys the hook set on each topic it manages, as it recorded them on its last run
 * (state.ts): what lets a key removed from the catalogue be told from a key someone else set.
 */
export type ManagedKeys = ReadonlyMap<string, readonly string[]>;

/**
 * What it takes to bring the cluster to the catalogue, three-way: a config key the catalogue
 * names is set; a key the hook set before (`managed`) that the catalogue no longer names goes
 * back to the broker's default; any other key is someone else's and is left as it is. Topics
 * the catalogue does not name are never changed; one is deleted only when the hook managed it
 * before and `deletable` names it.
 */
export function planTopics(
  desired: readonly TopicSpec[],
  observed: ReadonlyMap<string, ObservedTopic>,
  managed: ManagedKeys = new Map(),
  deletable: readonly string[] = [],
): TopicPlan {
  const plan: TopicPlan = { changes: [], refusals: [], inSync: [], foreign: [], unmanaged: [], deletions: [] };
  const names = new Set(desired.map((topic) => topic.name));
  const released = [...managed.keys()].filter((name) => !names.has(name) && observed.has(name)).sort();
  plan.deletions = released.filter((name) => deletable.includes(name));
  plan.unmanaged = released.filter((name) => !deletable.includes(name));
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
    const setBefore = new Set(managed.get(topic.name) ?? []);
    const released = Object.keys(current.overrides).filter((key) => setBefore.has(key) && !(key in topic.config));
    const drift = [
      ...configDrift(topic.config, current.overrides),
      ...released.map((key) => ({ key, from: current.overrides[key], to: undefined })),
    ];
    for (const [key, value] of Object.entries(current.overrides)) {
      if (!(key in topic.config) && !setBefore.has(key)) plan.foreign.push({ topic: topic.name, key, value });
    }
    if (drift.length > 0) {
      const kept = Object.fromEntries(Object.entries(current.overrides).filter(([key]) => !released.includes(key)));
      plan.changes.push({ kind: 'set-config', topic: topic.name, drift, overrides: { ...kept, ...topic.config } });
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
        .map(({ key, from, to }) => `${key} ${from ?? '(broker default)'} -> ${to ?? '(broker default)'}`)
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
