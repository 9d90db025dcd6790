import { HookError } from '../lib/hook-error.js';
import type { Logger } from '../lib/logger.js';
import type { TopicSpec } from './catalogue.js';
import { applyChanges, observeTopics } from './cluster.js';
import type { Admin } from './kafkajs.js';
import { describeChange, describeRefusal, planTopics, type TopicChange, type TopicPlan } from './plan.js';

export interface ReconcileOptions {
  dryRun: boolean;
  logger: Logger;
}

export interface ReconcileResult {
  /** The plan made from the first observation: what this run found to do. */
  plan: TopicPlan;
  /** Changes this run applied (empty for a dry run or when all was in sync). */
  applied: TopicChange[];
}

/** Enough rounds for a run that races a concurrent one; more means someone keeps undoing our work. */
const maxRounds = 3;

/**
 * Observe, plan, apply, and observe again until the cluster matches the catalogue. Refusals stop
 * the run before anything is applied, so a bad catalogue never leaves a half-applied change.
 */
export async function reconcileTopics(admin: Admin, topics: readonly TopicSpec[], options: ReconcileOptions): Promise<ReconcileResult> {
  const { logger } = options;
  const names = topics.map((topic) => topic.name);
  let first: TopicPlan | undefined;
  const applied: TopicChange[] = [];
  for (let round = 1; round <= maxRounds; round++) {
    const plan = planTopics(topics, await observeTopics(admin, names));
    first ??= plan;
    if (plan.refusals.length > 0) {
      throw new HookError(
        `the catalogue asks for changes Kafka cannot make: ${plan.refusals.map(describeRefusal).join('; ')}`,
        'change kafkaTopics.topics in the chart values as each refusal says; nothing was applied',
      );
    }
    if (plan.changes.length === 0 || options.dryRun) return { plan: first, applied };
    for (const change of plan.changes) logger.info({ round, change: change.kind }, describeChange(change));
    await applyChanges(admin, plan.changes);
    applied.push(...plan.changes);
  }
  throw new HookError(
    `the topics still differ from the catalogue after ${maxRounds} rounds of changes`,
    'something else is changing these topics at the same time (another tool or a second release managing them): stop it, then run the hook again',
  );
}
