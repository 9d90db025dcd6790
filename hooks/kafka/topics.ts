// The topic hook: the catalogue made true in Kafka, its outcome recorded in the state ConfigMap,
// and the services user's ACLs kept.
import { ActionableError, ExitCode } from '../../common/errors.js';
import { hooksOwnedLabels } from '../../common/labels.js';
import { topicStateKeys, type TopicsStatus } from '../../common/topic-status.js';
import { connectKubernetes, type KubernetesSettings } from '../kubernetes/client.js';
import { readConfigMap, writeConfigMap } from '../kubernetes/configmaps.js';
import { classifyKubernetesFailure } from '../kubernetes/failures.js';
import type { Logger } from '../lib/logger.js';
import { retryOptions, retryUntil, type WaitSettings } from '../lib/retry.js';
import { reconcileServicesAcls, servicesRights } from './acls.js';
import { loadCatalogue } from './catalogue.js';
import { withKafka, type KafkaSettings } from './connection.js';
import { describeChange, type AppliedChanges, type ManagedKeys, type TopicPlan } from './plan.js';
import { reconcileTopics, TopicChangesRefused } from './reconcile.js';
import { managedKeysAfter, parseManagedKeys, topicsStatus } from './state.js';

/** Where the topic hook keeps its state between runs (the state options); KubernetesSettings say how to reach it. */
export interface TopicStateSettings extends KubernetesSettings {
  stateConfigmap?: string | undefined;
  release?: string | undefined;
  deleteUnmanaged: string[];
}

/** The services user whose ACLs the topic hook keeps, when Kafka authorizes. */
export interface ServicesAclSettings {
  kafkaServicesUser?: string | undefined;
  kafkaServicesGroups: string[];
}

export type TopicsSettings = KafkaSettings & TopicStateSettings & ServicesAclSettings & { topicsFile: string; dryRun: boolean };

/**
 * The topic hook's work: the catalogue made true in Kafka (or, with dryRun, the plan logged), each
 * topic's outcome logged, and with a state ConfigMap, the keys it set and that outcome recorded.
 */
export async function reconcileKafkaTopics(settings: TopicsSettings, logger: Logger): Promise<void> {
  const topics = await loadCatalogue(settings.topicsFile);
  const state = settings.stateConfigmap ? await openState(settings, settings.stateConfigmap, logger) : undefined;
  if (!state) logger.info('no --state-configmap: a config key removed from the catalogue stays on its topic');
  logger.info({ brokers: settings.kafkaBrokers, topics: topics.length, dryRun: settings.dryRun }, 'reconciling Kafka topics');
  // withKafka retries the whole reconcile; each attempt records here what it applied, so that the report holds them all.
  const attempts: AppliedChanges[] = [];
  const options = { dryRun: settings.dryRun, logger, managed: state?.managed, deletable: settings.deleteUnmanaged, attempts };
  const outcome = await withKafka(settings, logger, 'learnflow-kafka-topics', 'reconciling Kafka topics', (admin) =>
    reconcileTopics(admin, topics, options).catch((error: unknown) => {
      // Refused: nothing was applied; the reports say what was refused, then the hook fails.
      if (error instanceof TopicChangesRefused) return error;
      throw error;
    }),
  );
  const { plan } = outcome;
  const status = topicsStatus(plan, outcome instanceof TopicChangesRefused ? outcome.invalid : [], new Date());
  if (settings.dryRun) {
    for (const change of plan.changes) logger.info({ planned: change.kind }, `would ${describeChange(change)}`);
    for (const name of plan.deletions) logger.info({ planned: 'delete' }, `would delete ${name} (kafkaTopics.deleteUnmanaged)`);
    logger.info(
      { changes: plan.changes.length, inSync: plan.inSync.length },
      `dry run: ${plan.changes.length} change(s) planned, nothing applied`,
    );
    if (outcome instanceof TopicChangesRefused) throw outcome;
    await reconcileAcls(settings, topics, logger);
    return;
  }
  for (const report of status.topics) {
    const line = { topic: report.topic, outcome: report.outcome, details: report.details };
    if (report.outcome === 'refused' || report.outcome === 'unmanaged') logger.warn(line, `${report.topic}: ${report.outcome}`);
    else logger.info(line, `${report.topic}: ${report.outcome}`);
  }
  if (state) {
    const managed = outcome instanceof TopicChangesRefused ? undefined : managedKeysAfter(topics, plan, state.managed);
    await state.write(status, managed);
  }
  if (outcome instanceof TopicChangesRefused) throw outcome;
  logger.info(
    { inSync: status.inSync, applied: outcome.applied.length, foreign: plan.foreign.length, unmanaged: plan.unmanaged },
    summary(topics.length, outcome.applied.length, plan, status),
  );
  await reconcileAcls(settings, topics, logger);
}

/** The services user's ACLs made exactly what the catalogue gives it, when the options name one. */
async function reconcileAcls(settings: TopicsSettings, catalogue: readonly { name: string }[], logger: Logger): Promise<void> {
  const user = settings.kafkaServicesUser;
  if (!user) return;
  const topics = catalogue.map((topic) => topic.name);
  const wanted = servicesRights(topics, settings.kafkaServicesGroups);
  const result = await withKafka(settings, logger, 'learnflow-kafka-topics', `setting the ACLs of Kafka user ${user}`, (admin) =>
    reconcileServicesAcls(admin, user, wanted, { dryRun: settings.dryRun, logger }),
  );
  const changes = `${result.created.length} ACL(s) to add, ${result.removed.length} to remove`;
  logger.info(
    { user, acls: wanted.length, created: result.created.length, removed: result.removed.length },
    settings.dryRun
      ? `dry run: ${changes} for ${user}, nothing applied`
      : `${user} may produce and consume on the ${topics.length} catalogue topics and nothing else ` +
          `(${wanted.length} ACLs; ${result.created.length} added, ${result.removed.length} removed)`,
  );
}

function summary(catalogue: number, applied: number, plan: TopicPlan, status: TopicsStatus): string {
  const count = (outcome: string) => status.topics.filter((report) => report.outcome === outcome).length;
  const counts =
    `${applied} change(s) applied: ${count('created')} created, ${count('updated')} updated, ` +
    `${count('unchanged')} unchanged, ${count('deleted')} deleted`;
  const foreign = plan.foreign.map(({ topic, key, value }) => `${topic} ${key}=${value}`).join(', ');
  const unmanaged = plan.unmanaged.length > 0 ? `; no longer in the catalogue, left as they are: ${plan.unmanaged.join(', ')}` : '';
  return status.inSync
    ? `all ${catalogue} catalogue topics are in sync (${counts})${unmanaged}`
    : `the ${catalogue} catalogue topics hold what the catalogue says (${counts}); ` +
        `keys set outside it are left as they are: ${foreign}${unmanaged}`;
}

interface TopicState {
  managed: ManagedKeys | undefined;
  /** Records the run's status and, after a run that applied its plan, the keys now set. */
  write(status: TopicsStatus, managed: string | undefined): Promise<void>;
}

async function openState(settings: TopicStateSettings & WaitSettings, name: string, logger: Logger): Promise<TopicState> {
  if (!settings.release) {
    throw new ActionableError('--state-configmap needs --release, to label it', 'the chart sets both', [], ExitCode.invalidInput);
  }
  const { client, namespace } = await connectKubernetes(settings);
  const policy = (what: string) => retryOptions(what, settings, logger, classifyKubernetesFailure);
  const data = await retryUntil(() => readConfigMap(client, namespace, name), policy(`reading ConfigMap ${namespace}/${name}`));
  const managed = parseManagedKeys(data?.[topicStateKeys.managed]);
  if (data && !managed) logger.warn({ configMap: name }, `ConfigMap ${name} records no usable keys: no key is reset this run`);
  const target = { namespace, name, labels: hooksOwnedLabels(settings.release) };
  return {
    managed,
    write: (status, keys) =>
      retryUntil(
        () =>
          writeConfigMap(client, target, {
            [topicStateKeys.status]: JSON.stringify(status, null, 2),
            ...(keys === undefined ? {} : { [topicStateKeys.managed]: keys }),
          }),
        policy(`writing ConfigMap ${namespace}/${name}`),
      ),
  };
}
