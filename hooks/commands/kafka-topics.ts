import type { CommandModule, InferredOptionTypes, Options } from 'yargs';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { hooksOwnedLabels } from '../../common/labels.js';
import { loadCatalogue } from '../kafka/catalogue.js';
import { describeChange, type ManagedKeys, type TopicPlan } from '../kafka/plan.js';
import { reconcileTopics, TopicChangesRefused } from '../kafka/reconcile.js';
import { topicStateKeys, type TopicsStatus } from '../../common/topic-status.js';
import { managedKeysAfter, parseManagedKeys, topicsStatus } from '../kafka/state.js';
import { readConfigMap, writeConfigMap } from '../kubernetes/configmaps.js';
import { classifyKubernetesFailure } from '../kubernetes/failures.js';
import type { Logger } from '../lib/logger.js';
import { retryUntil } from '../lib/retry.js';
import { withKafka } from './kafka-connection.js';
import {
  kafkaAclOptions,
  kafkaOptions,
  topicStateOptions,
  type KafkaAclArgs,
  type KafkaArgs,
  type TopicStateArgs,
} from './kafka-options.js';
import { reconcileServicesAcls, servicesRights } from '../kafka/acls.js';
import { connectKubernetes } from './kubernetes-connection.js';
import { kubernetesOptions } from './kubernetes-options.js';
import { commonOptions, retryOptions, runHook } from './options.js';

const options = {
  ...commonOptions,
  ...kafkaOptions,
  ...topicStateOptions,
  ...kafkaAclOptions,
  ...kubernetesOptions,
  'dry-run': { type: 'boolean', default: false, describe: 'Print the plan and change nothing' },
} as const satisfies Record<string, Options>;

export const kafkaTopicsCommand: CommandModule<object, InferredOptionTypes<typeof options>> = {
  command: 'kafka-topics',
  describe:
    'Create the catalogue topics, grow partitions and correct configs, reset the keys it set that the catalogue dropped; never deletes',
  builder: (yargs) => yargs.options(options),
  handler: (args) => runHook(args, (logger) => reconcileKafkaTopics(args, logger)),
};

type TopicsArgs = KafkaArgs & TopicStateArgs & KafkaAclArgs & { topicsFile: string; dryRun: boolean };

/**
 * The topic hook's work: the catalogue made true in Kafka (or, with dryRun, the plan logged), each
 * topic's outcome logged, and with a state ConfigMap, the keys it set and that outcome recorded.
 */
export async function reconcileKafkaTopics(args: TopicsArgs, logger: Logger): Promise<void> {
  const topics = await loadCatalogue(args.topicsFile);
  const state = args.stateConfigmap ? await openState(args, args.stateConfigmap, logger) : undefined;
  if (!state) logger.info('no --state-configmap: a config key removed from the catalogue stays on its topic');
  logger.info({ brokers: args.kafkaBrokers, topics: topics.length, dryRun: args.dryRun }, 'reconciling Kafka topics');
  const outcome = await withKafka(args, logger, 'learnflow-kafka-topics', 'reconciling Kafka topics', (admin) =>
    reconcileTopics(admin, topics, { dryRun: args.dryRun, logger, managed: state?.managed, deletable: args.deleteUnmanaged }).catch(
      (error: unknown) => {
        // Refused: nothing was applied; the reports say what was refused, then the hook fails.
        if (error instanceof TopicChangesRefused) return error;
        throw error;
      },
    ),
  );
  const { plan } = outcome;
  const status = topicsStatus(plan, outcome instanceof TopicChangesRefused ? outcome.invalid : [], new Date());
  if (args.dryRun) {
    for (const change of plan.changes) logger.info({ planned: change.kind }, `would ${describeChange(change)}`);
    for (const name of plan.deletions) logger.info({ planned: 'delete' }, `would delete ${name} (kafkaTopics.deleteUnmanaged)`);
    logger.info(
      { changes: plan.changes.length, inSync: plan.inSync.length },
      `dry run: ${plan.changes.length} change(s) planned, nothing applied`,
    );
    if (outcome instanceof TopicChangesRefused) throw outcome;
    await reconcileAcls(args, topics, logger);
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
  await reconcileAcls(args, topics, logger);
}

/** The services user's ACLs made to match the catalogue, once its topics are in place. */
/** The services user's ACLs made exactly what the catalogue gives it, when the options name one. */
async function reconcileAcls(args: TopicsArgs, catalogue: readonly { name: string }[], logger: Logger): Promise<void> {
  const user = args.kafkaServicesUser;
  if (!user) return;
  const topics = catalogue.map((topic) => topic.name);
  const wanted = servicesRights(topics, args.kafkaServicesGroups);
  const result = await withKafka(args, logger, 'learnflow-kafka-topics', `setting the ACLs of Kafka user ${user}`, (admin) =>
    reconcileServicesAcls(admin, user, wanted, { dryRun: args.dryRun, logger }),
  );
  const changes = `${result.created.length} ACL(s) to add, ${result.removed.length} to remove`;
  logger.info(
    { user, acls: wanted.length, created: result.created.length, removed: result.removed.length },
    args.dryRun
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

async function openState(args: TopicStateArgs & KafkaArgs, name: string, logger: Logger): Promise<TopicState> {
  if (!args.release) {
    throw new ActionableError('--state-configmap needs --release, to label it', 'the chart sets both', [], ExitCode.invalidInput);
  }
  const { client, namespace } = await connectKubernetes(args);
  const policy = (what: string) => retryOptions(what, args, logger, classifyKubernetesFailure);
  const data = await retryUntil(() => readConfigMap(client, namespace, name), policy(`reading ConfigMap ${namespace}/${name}`));
  const managed = parseManagedKeys(data?.[topicStateKeys.managed]);
  if (data && !managed) logger.warn({ configMap: name }, `ConfigMap ${name} records no usable keys: no key is reset this run`);
  const target = { namespace, name, labels: hooksOwnedLabels(args.release) };
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
