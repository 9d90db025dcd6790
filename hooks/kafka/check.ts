// The Kafka check (helm test): the catalogue's topics as declared, and a message round trip.
import { ActionableError } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { loadCatalogue } from './catalogue.js';
import { observeTopics } from './cluster.js';
import { withKafka, type KafkaSettings } from './connection.js';
import { describeChange, describeRefusal, planTopics, type TopicPlan } from './plan.js';
import { roundTrip } from './round-trip.js';

/** Fails, naming every difference, unless Kafka holds the catalogue's topics and a produced message comes back. */
export async function checkKafka(settings: KafkaSettings & { topicsFile: string }, logger: Logger): Promise<void> {
  const topics = await loadCatalogue(settings.topicsFile);
  await withKafka(settings, logger, 'learnflow-kafka-check', 'checking Kafka', async (admin, kafka) => {
    const plan = planTopics(
      topics,
      await observeTopics(
        admin,
        topics.map((topic) => topic.name),
      ),
    );
    const differences = [...plan.changes.map(describeChange), ...plan.refusals.map(describeRefusal)];
    if (differences.length > 0) {
      throw new ActionableError(
        `${differences.length} difference(s) between Kafka and the topic catalogue: ${differences.join('; ')}`,
        differencesHint(plan),
      );
    }
    logger.info(
      { check: 'topics', ok: true },
      `all ${topics.length} catalogue topics exist with the declared partitions, replication factor and configs`,
    );
    const { elapsedMs, topic } = await roundTrip(kafka, admin, { receiveTimeoutMs: 30_000, logger });
    logger.info({ check: 'round-trip', ok: true, elapsedMs, topic }, 'a message produced to a temporary topic was consumed back');
  });
  logger.info('kafka check passed');
}

/**
 * What to do about the differences: the reconcile hook makes the changes, and a run of it again
 * makes them still; a refusal (a catalogue that shrinks a topic, as after a rollback) no run
 * makes, so the values must change.
 */
function differencesHint(plan: TopicPlan): string {
  const rerun =
    'the reconcile hook Job reconciles them: read its log (kubectl logs job/<release>-reconcile, ' +
    'lines with "part":"kafka-topics"), or run helm upgrade to run it again';
  const refused =
    'no run of the hook makes what it refuses: change the values as each refusal says (after a rollback: docs/upgrade.md#rolling-back)';
  if (plan.refusals.length === 0) return rerun;
  return plan.changes.length === 0 ? refused : `${rerun}; ${refused}`;
}
