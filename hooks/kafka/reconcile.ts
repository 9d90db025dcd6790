import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import type { TopicSpec } from './catalogue.js';
import { applyChanges, deleteTopics, invalidChanges, observeTopics } from './cluster.js';
import type { Admin } from './kafkajs.js';
import {
  describeChange,
  describeInvalid,
  describeRefusal,
  planTopics,
  withEarlierAttempts,
  type AppliedChanges,
  type InvalidChange,
  type ManagedKeys,
  type TopicChange,
  type TopicPlan,
} from './plan.js';

export interface ReconcileOptions {
  dryRun: boolean;
  logger: Logger;
  /** The config keys the hook set on each topic on its last run (state.ts); without them no key is reset. */
  managed?: ManagedKeys | undefined;
  /** Topics it may delete once the catalogue no longer lists them, if it managed them before. */
  deletable?: readonly string[];
  /**
   * What earlier attempts of this run applied, for a run that is retried whole: each attempt adds
   * what it applies, and the result reports them all (withEarlierAttempts).
   */
  attempts?: AppliedChanges[];
}

export interface ReconcileResult {
  /** The plan made from what this run observed, with what its earlier attempts applied. */
  plan: TopicPlan;
  /** Changes this run applied, in any attempt (none for a dry run, or when all was in sync). */
  applied: TopicChange[];
}

const topicConfigsDoc = "Kafka's topic configs: https://kafka.apache.org/39/documentation.html#topicconfigs";

/** Changes the catalogue asks for that this hook must not make, or that Kafka refuses: nothing was applied. */
export class TopicChangesRefused extends ActionableError {
  constructor(
    readonly plan: TopicPlan,
    readonly invalid: readonly InvalidChange[],
  ) {
    super(
      [
        ...(plan.refusals.length > 0
          ? [`the catalogue asks for changes Kafka cannot make: ${plan.refusals.map(describeRefusal).join('; ')}`]
          : []),
        ...(invalid.length > 0 ? [`Kafka refuses the catalogue's changes: ${invalid.map(describeInvalid).join('; ')}`] : []),
      ].join('; '),
      plan.refusals.length > 0
        ? 'change kafkaTopics.topics in the chart values as each refusal says; nothing was applied'
        : `correct each named key under kafkaTopics.topics.<topic>.config in the chart values (${topicConfigsDoc}); nothing was applied`,
      [],
      invalid.length > 0 && plan.refusals.length === 0 ? ExitCode.invalidInput : ExitCode.failed,
    );
  }
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

/**
 * Observe, plan, validate, apply, and observe again. Refusals, and changes Kafka refuses when
 * asked to validate them, stop the run before anything is applied, so a bad catalogue never
 * leaves a half-applied change; a plan that does not show up as applied is reported as
 * TopicsNotSettled. The plan's deletions are applied after its changes.
 */
export async function reconcileTopics(admin: Admin, topics: readonly TopicSpec[], options: ReconcileOptions): Promise<ReconcileResult> {
  // The topics managed before are observed too, to report those the catalogue no longer names.
  const names = [...new Set([...topics.map((topic) => topic.name), ...(options.managed?.keys() ?? [])])];
  const plan = planTopics(topics, await observeTopics(admin, names), options.managed, options.deletable);
  if (plan.refusals.length > 0) throw new TopicChangesRefused(plan, []);
  const invalid = await invalidChanges(admin, plan.changes);
  if (invalid.length > 0) throw new TopicChangesRefused(plan, invalid);
  // What an earlier attempt applied, this one finds done: the run reports both.
  const reported = withEarlierAttempts(plan, options.attempts ?? []);
  if (options.dryRun) return { plan, applied: [] };
  if (plan.changes.length === 0 && plan.deletions.length === 0) return { plan: reported, applied: reported.changes };

  for (const change of plan.changes) options.logger.info({ change: change.kind }, describeChange(change));
  // Recorded before applying: an attempt that fails halfway has applied some of them, which the
  // next attempt finds done (a change it makes again is reported once).
  options.attempts?.push({ changes: plan.changes, deletions: plan.deletions });
  await applyChanges(admin, plan.changes);
  await deleteTopics(admin, plan.deletions);
  // Kafka deletes a topic in the background, so the topics just deleted are not observed again: one
  // still listed can vanish before it is described, and the failure would start the whole run
  // again, whose plan no longer holds the deletion it made (nor reports it).
  const remaining = names.filter((name) => !plan.deletions.includes(name));
  const after = planTopics(topics, await observeTopics(admin, remaining), options.managed, options.deletable);
  if (after.changes.length > 0 || after.refusals.length > 0) throw new TopicsNotSettled(after);
  return { plan: reported, applied: reported.changes };
}
