import { describe, expect, inject, it } from 'vitest';
import type { TopicSpec } from '../../hooks/kafka/catalogue.js';
import type { TopicsStatus } from '../../common/topic-status.js';
import { chartCatalogue, writeCatalogue } from '../support/catalogue.js';
import { failure, runCli } from '../support/cli.js';
import { Cluster } from '../support/controlplane.js';
import { hookAccount } from '../support/hook-account.js';
import { kafkaModes } from '../support/kafka-server.js';
import { setTopicOverridesByHand, topicFacts, withTestAdmin } from '../support/kafka-admin.js';
import { waitUntil } from '../support/wait.js';

// The topic hook three-way, as the reconcile Job runs it: against a real Kafka, with its state in
// a ConfigMap of the real API server, written with the permissions of the chart's Role only.

const cluster = new Cluster(inject('kubeconfig'));
const stateName = 'learnflow-kafka-topics-state';

async function topicHook(brokers: string, options: { withRoleBinding?: boolean } = {}) {
  const account = await hookAccount(cluster, 'learnflow-reconcile', options);
  const run = async (topics: readonly TopicSpec[], ...extra: string[]) =>
    runCli([
      ...extra,
      'kafka-topics',
      '--kafka-brokers',
      brokers,
      '--topics-file',
      await writeCatalogue(topics),
      '--state-configmap',
      stateName,
      '--release',
      'learnflow',
      ...account.flags,
      '--timeout',
      '20',
    ]);
  const state = async () =>
    await cluster.kubectlJson<{ data: Record<string, string>; metadata: { labels: Record<string, string> } }>([
      'get',
      'configmap',
      stateName,
      '--namespace',
      account.namespace,
    ]);
  const status = async () => JSON.parse((await state()).data['status.json']!) as TopicsStatus;
  const outcomes = async () => Object.fromEntries((await status()).topics.map((report) => [report.topic, report.outcome]));
  return { ...account, run, state, status, outcomes };
}

describe.each(kafkaModes)("the topic hook's state, against a real Kafka (%s mode) and API server", (mode) => {
  const brokers = inject('kafkaBrokers')[mode];

  it('resets a key removed from the catalogue to the broker default, and leaves a key set by hand alone, reporting it', async () => {
    const hook = await topicHook(brokers);
    const [topic, other] = await chartCatalogue();
    const first = await hook.run([topic!, other!]);
    expect(first.code, first.stdout).toBe(0);
    expect(await hook.outcomes()).toEqual({ [topic!.name]: 'created', [other!.name]: 'created' });
    expect((await hook.status()).inSync).toBe(true);
    const { data, metadata } = await hook.state();
    expect(JSON.parse(data['managed.json']!).topics[topic!.name]).toEqual(Object.keys(topic!.config).sort());
    expect(metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'learnflow-hooks', 'app.kubernetes.io/instance': 'learnflow' });

    // Someone sets a key by hand; the next catalogue drops segment.ms.
    const facts = await withTestAdmin(brokers, (admin) => topicFacts(admin, topic!.name));
    await setTopicOverridesByHand(brokers, topic!.name, { ...facts.overrides, 'max.message.bytes': '2000000' });
    const { 'segment.ms': dropped, ...kept } = topic!.config;
    expect(dropped).toBeDefined();
    const second = await hook.run([{ ...topic!, config: kept }, other!]);
    expect(second.code, second.stdout).toBe(0);
    const after = await withTestAdmin(brokers, (admin) => topicFacts(admin, topic!.name));
    expect(after.overrides).toEqual({ ...kept, 'max.message.bytes': '2000000' });

    const status = await hook.status();
    expect(status.inSync).toBe(false);
    expect(status.topics.find((report) => report.topic === topic!.name)).toEqual({
      topic: topic!.name,
      outcome: 'updated',
      details: [
        `set config of ${topic!.name}: segment.ms ${dropped} -> (broker default)`,
        'max.message.bytes=2000000 was set outside the catalogue: left as it is',
      ],
      foreign: { 'max.message.bytes': '2000000' },
    });
    expect(second.lines.at(-1)?.msg).toContain(`keys set outside it are left as they are: ${topic!.name} max.message.bytes=2000000`);

    // Nothing left to do: the key set by hand is still reported, nothing is changed.
    const third = await hook.run([{ ...topic!, config: kept }, other!]);
    expect(third.code, third.stdout).toBe(0);
    expect(await hook.outcomes()).toEqual({ [topic!.name]: 'unchanged', [other!.name]: 'unchanged' });
  });

  it('reports topics removed from or renamed in the catalogue as unmanaged, and deletes none', async () => {
    const hook = await topicHook(brokers);
    const [kept, removed, renamed] = await chartCatalogue();
    expect((await hook.run([kept!, removed!, renamed!])).code).toBe(0);
    const newName = { ...renamed!, name: `${renamed!.name}.v2` };
    const result = await hook.run([kept!, newName]);
    expect(result.code, result.stdout).toBe(0);
    expect(await hook.outcomes()).toEqual({
      [kept!.name]: 'unchanged',
      [newName.name]: 'created',
      [removed!.name]: 'unmanaged',
      [renamed!.name]: 'unmanaged',
    });
    const topics = await withTestAdmin(brokers, (admin) => admin.listTopics());
    expect(topics).toEqual(expect.arrayContaining([removed!.name, renamed!.name, newName.name]));
    // Still reported on the runs after, while they exist.
    expect((await hook.run([kept!, newName])).code).toBe(0);
    expect((await hook.outcomes())[removed!.name]).toBe('unmanaged');
    expect((await hook.status()).inSync).toBe(true);
  });

  it('deletes a topic the catalogue dropped only when kafkaTopics.deleteUnmanaged lists it, and never one it did not manage', async () => {
    const hook = await topicHook(brokers);
    const [kept, dropped] = await chartCatalogue();
    const [someoneElses] = await chartCatalogue();
    await withTestAdmin(brokers, (admin) =>
      admin.createTopics({ topics: [{ topic: someoneElses!.name, numPartitions: 1 }], waitForLeaders: true }),
    );
    expect((await hook.run([kept!, dropped!])).code).toBe(0);
    const result = await hook.run([kept!], '--delete-unmanaged', `${dropped!.name},${someoneElses!.name}`);
    expect(result.code, result.stdout).toBe(0);
    expect(await hook.outcomes()).toEqual({ [kept!.name]: 'unchanged', [dropped!.name]: 'deleted' });
    // Kafka deletes a topic in the background.
    await waitUntil(
      `${dropped!.name} to be gone`,
      async () => !(await withTestAdmin(brokers, (admin) => admin.listTopics())).includes(dropped!.name),
    );
    expect(await withTestAdmin(brokers, (admin) => admin.listTopics())).toContain(someoneElses!.name);
    // Gone from the record: later runs neither report nor delete it again.
    expect(JSON.parse((await hook.state()).data['managed.json']!).topics).toEqual({ [kept!.name]: Object.keys(kept!.config).sort() });
  });

  it('records a refused run, applies nothing, and keeps the keys it recorded before', async () => {
    const hook = await topicHook(brokers);
    const [topic, other] = await chartCatalogue();
    expect((await hook.run([topic!])).code).toBe(0);
    const managed = (await hook.state()).data['managed.json'];
    const refused = await hook.run([{ ...topic!, partitions: topic!.partitions - 1 }, other!]);
    expect(refused.code).toBe(1);
    expect(failure(refused).msg).toContain('Kafka cannot remove partitions');
    expect(await hook.outcomes()).toEqual({ [topic!.name]: 'refused', [other!.name]: 'not-applied' });
    expect((await hook.state()).data['managed.json']).toBe(managed);
    expect(await withTestAdmin(brokers, (admin) => admin.listTopics())).not.toContain(other!.name);
  });
});

describe("the reconcile Job's account", () => {
  it('may create ConfigMaps and read and update only its state ConfigMap', async () => {
    const { can } = await hookAccount(cluster, 'learnflow-reconcile');
    expect(await can('create', 'configmaps')).toBe('yes');
    expect(await can('get', `configmaps/${stateName}`)).toBe('yes');
    expect(await can('patch', `configmaps/${stateName}`)).toBe('yes');
    expect(await can('get', 'configmaps/learnflow-kafka-topics')).toBe('no');
    expect(await can('list', 'configmaps')).toBe('no');
    expect(await can('delete', `configmaps/${stateName}`)).toBe('no');
    expect(await can('get', 'secrets')).toBe('no');
  });

  it('fails fast, naming the Role, without its RoleBinding', async () => {
    const hook = await topicHook(inject('kafkaBrokers').kraft, { withRoleBinding: false });
    const [topic] = await chartCatalogue();
    const result = await hook.run([topic!]);
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeLessThan(15_000);
    expect(failure(result).msg).toContain(`reading ConfigMap ${hook.namespace}/${stateName} failed`);
    expect(failure(result).hint).toContain("check the chart's Role and RoleBinding of this hook");
  });
});
