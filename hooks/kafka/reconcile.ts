import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import type { TopicSpec } from './catalogue.js';
import { applyChanges, invalidChanges, observeTopics } from './cluster.js';
import type { Admin } from './kafkajs.js';
import { describeChange, describeInvalid, describeRefusal, planTopics, type TopicChange, type TopicPlan } from './plan.js';

export interface ReconcileOptions {
  dryRun: boolean;
  logger: Logger;
}

export interface ReconcileResult {
  /** The plan made from what this run observed. */
  plan: TopicPlan;
  /** Changes this run applied (none for a dry run, or when all was in sync). */
  applied: TopicChange[];
}

/**
 * Applied changes that Kafka does not show yet: a topic another run has just created but whose
 * metadata has not reached every broker, or a concurrent writer. Waiting helps, so the caller's
 * retry loop runs the reconcile again.
 */
export class TopicsNotSettled extends Error {
  override readonly name = 'TopicsNotSettled';

  constructor(readonly remaining: TopicPlan) {
    super(
      `Kafka does not show the changes yet: ` +
        `${[...remaining.changes.map(describeChange), ...remaining.refusals.map(describeRefusal)].join('; ')}`,
    );
  }
}

const topicConfigsDoc = "Kafka's topic configs: https://kafka.apache.org/39/documentation.html#topicconfigs";

/**
 * Observe, plan, validate, apply, and observe again. Refusals, and changes Kafka refuses when asked to validate
 * them, stop the run before anything is applied, so a bad catalogue never leaves a half-applied
 * change; a plan that does not show up as applied is
 * reported as TopicsNotSettled.
 */
export async function reconcileTopics(admin: Admin, topics: readonly TopicSpec[], options: ReconcileOptions): Promise<ReconcileResult> {
  const names = topics.map((topic) => topic.name);
  const plan = planTopics(topics, await observeTopics(admin, names));
  if (plan.refusals.length > 0) {
    throw new ActionableError(
      `the catalogue asks for changes Kafka cannot make: ${plan.refusals.map(describeRefusal).join('; ')}`,
      'change kafkaTopics.topics in the chart values as each refusal says; nothing was applied',
    );
  }
  const invalid = await invalidChanges(admin, plan.changes);
  if (invalid.length > 0) {
    throw new ActionableError(
      `Kafka refuses the catalogue's changes: ${invalid.map(describeInvalid).join('; ')}`,
      `correct each named key under kafkaTopics.topics.<topic>.config in the chart values (${topicConfigsDoc}); nothing was applied`,
      [],
      ExitCode.invalidInput,
    );
  }
  if (plan.changes.length === 0 || options.dryRun) return { plan, applied: [] };

  for (const change of plan.changes) options.logger.info({ change: change.kind }, describeChange(change));
  await applyChanges(admin, plan.changes);
  const after = planTopics(topics, await observeTopics(admin, names));
  if (after.changes.length > 0 || after.refusals.length > 0) throw new TopicsNotSettled(after);
  return { plan, applied: plan.changes };
}
