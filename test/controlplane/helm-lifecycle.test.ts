import { describe, expect, inject, it } from 'vitest';
import { hooksOwnedLabels } from '../../common/labels.js';
import { ownChartDir } from '../support/chart.js';
import { catalogueTopics } from '../support/contract.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));

interface HookRecord {
  name: string;
  kind: string;
  events: string[];
  last_run: { started_at?: string; completed_at?: string; phase: string };
}

interface Job {
  metadata: { name: string; uid: string; annotations: Record<string, string> };
  status: { succeeded?: number };
}

/** helm in the namespace, expected to succeed; its stdout. */
const helmIn =
  (namespace: string) =>
  async (...args: string[]) => {
    const result = await cluster.helm([...args, '--namespace', namespace]);
    expect(result.code, `helm ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
    return result.stdout;
  };

/** The install and upgrade hook Jobs the release's last revision ran (not its test hooks), by name. */
async function installHooksRun(helm: ReturnType<typeof helmIn>): Promise<string[]> {
  const status = JSON.parse(await helm('status', 'learnflow', '--output', 'json')) as { hooks?: HookRecord[] };
  return status.hooks?.filter((hook) => hook.kind === 'Job' && !hook.events.includes('test')).map((hook) => hook.name) ?? [];
}

// Pods run on a KWOK node: they are scheduled and reported Running, and hook Job Pods and test
// Pods are reported Succeeded; no container runs. What is real: the API server's validation and
// admission, the Job controller, and Helm's hook ordering, waiting and delete policies.
describe("Helm's release life cycle of the chart's own templates, on a real control plane", () => {
  it('install, upgrade, test, rollback and uninstall run to completion with the hooks as intended', { timeout: 300_000 }, async () => {
    const chart = await ownChartDir();
    const namespace = await cluster.namespace('lifecycle', 'restricted');
    const helm = helmIn(namespace);
    const hookJobs = async () => (await cluster.kubectlJson<{ items: Job[] }>(['get', 'jobs', '--namespace', namespace])).items;
    /** The release's install hooks, in the order Helm ran them; fails if one started before the previous had finished. */
    const hookRuns = async () => {
      const status = JSON.parse(await helm('status', 'learnflow', '--output', 'json')) as { hooks: HookRecord[] };
      const time = (stamp: string | undefined) => Date.parse(stamp ?? '');
      const runs = status.hooks
        .filter((hook) => hook.last_run.started_at)
        .sort((a, b) => time(a.last_run.started_at) - time(b.last_run.started_at));
      runs.forEach((hook, index) => {
        const previous = runs[index - 1];
        if (previous)
          expect(
            time(hook.last_run.started_at) >= time(previous.last_run.completed_at),
            `${hook.name} started before ${previous.name} finished`,
          ).toBe(true);
        expect(hook.last_run.phase, hook.name).toBe('Succeeded');
      });
      return runs.map((hook) => `${hook.events[0]} ${hook.kind}/${hook.name}`);
    };

    await helm('install', 'learnflow', chart, '--wait', '--timeout', '3m');
    // Each hook ran after the one before it had finished, in the order of events and weights.
    expect(await hookRuns()).toEqual([
      'pre-install ServiceAccount/learnflow-credentials-hook',
      'pre-install Role/learnflow-credentials-hook',
      'pre-install RoleBinding/learnflow-credentials-hook',
      'pre-install Job/learnflow-credentials-hook',
      'post-install ServiceAccount/learnflow-reconcile',
      'post-install Role/learnflow-reconcile',
      'post-install RoleBinding/learnflow-reconcile',
      'post-install Job/learnflow-reconcile',
    ]);
    // hook-succeeded: the hooks' accounts and permissions are gone once they are done.
    const rbac = await cluster.kubectlJson<{ items: unknown[] }>([
      'get',
      'serviceaccounts,roles,rolebindings',
      '--namespace',
      namespace,
      '--selector',
      'app.kubernetes.io/component in (credentials-hook,reconcile)',
    ]);
    expect(rbac.items).toEqual([]);
    const installed = (await hookJobs()).find((job) => job.metadata.name === 'learnflow-reconcile');
    expect(installed?.status.succeeded).toBe(1);
    const configMap = await cluster.kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'learnflow-kafka-topics',
      '--namespace',
      namespace,
    ]);
    expect(JSON.parse(configMap.data['topics.json']!).topics).toHaveLength(catalogueTopics.length);

    await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m', '--set', 'kafkaTopics.topics.learning\\.query.partitions=6');
    const upgraded = await hookJobs();
    // before-hook-creation: the install's Jobs were replaced by the upgrade's, not kept beside them.
    expect(upgraded.map((job) => job.metadata.name).sort()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);
    const topicsJob = upgraded.find((job) => job.metadata.name === 'learnflow-reconcile')!;
    expect(topicsJob.metadata.uid).not.toBe(installed!.metadata.uid);
    expect(upgraded.every((job) => job.status.succeeded === 1)).toBe(true);
    const upgradedTopics = JSON.parse(
      (
        await cluster.kubectlJson<{ data: Record<string, string> }>([
          'get',
          'configmap',
          'learnflow-kafka-topics',
          '--namespace',
          namespace,
        ])
      ).data['topics.json']!,
    ) as { topics: { name: string; partitions: number }[] };
    expect(upgradedTopics.topics.find((topic) => topic.name === 'learning.query')?.partitions).toBe(6);

    const tested = await helm('test', 'learnflow', '--timeout', '3m');
    expect(tested).toMatch(/TEST SUITE:\s+learnflow-kafka-check\s+Last Started:.*\s+Last Completed:.*\s+Phase:\s+Succeeded/);
    expect(tested).toMatch(/TEST SUITE:\s+learnflow-postgresql-check\s+Last Started:.*\s+Last Completed:.*\s+Phase:\s+Succeeded/);
    expect(tested).toMatch(/TEST SUITE:\s+learnflow-dapr-check\s+Last Started:.*\s+Last Completed:.*\s+Phase:\s+Succeeded/);

    await helm('rollback', 'learnflow', '1', '--wait', '--timeout', '3m');
    const history = await helm('history', 'learnflow', '--output', 'json');
    expect((JSON.parse(history) as { revision: number; status: string }[]).map(({ revision, status }) => [revision, status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);

    await helm('uninstall', 'learnflow', '--wait', '--timeout', '3m');
    const left = await cluster.kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>([
      'get',
      'configmaps,serviceaccounts,pods',
      '--namespace',
      namespace,
      '--selector',
      'app.kubernetes.io/instance=learnflow',
    ]);
    // The release's own objects are gone; finished hook Jobs expire by ttlSecondsAfterFinished.
    expect(left.items.filter((item) => item.kind !== 'Pod').map((item) => `${item.kind}/${item.metadata.name}`)).toEqual([]);
  });

  it(
    'leaves no hook account or permission behind when a hook fails, under Helm and Argo CD (hook-failed); the Job stays, with its logs',
    { timeout: 180_000 },
    async () => {
      const chart = await ownChartDir();
      const namespace = await cluster.namespace('failed-hook', 'restricted');
      // KWOK ends the credentials hook's Pod with exit code 1, as a failing program would.
      const failing = await cluster.helm([
        'install',
        'learnflow',
        chart,
        '--namespace',
        namespace,
        '--wait',
        '--timeout',
        '2m',
        '--set',
        'hooks.backoffLimit=0',
        '--set-string',
        'hooks.podAnnotations.learnflow\\.test/simulated-exit-code=1',
      ]);
      expect(failing.code, failing.stdout).not.toBe(0);
      expect(failing.stderr).toContain('learnflow-credentials-hook');
      const left = await cluster.kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>([
        'get',
        'serviceaccounts,roles,rolebindings,jobs',
        '--namespace',
        namespace,
        '--selector',
        'app.kubernetes.io/component in (credentials-hook,reconcile)',
      ]);
      expect(left.items.map((item) => `${item.kind}/${item.metadata.name}`)).toEqual(['Job/learnflow-credentials-hook']);
      // Helm removes an earlier hook by its hook-succeeded policy when a later one fails; Argo CD
      // removes a sync hook by the outcome of the whole sync, so each must say hook-failed too.
      const hooks = (await helmIn(namespace)('get', 'hooks', 'learnflow'))
        .split(/^---$/m)
        .map((manifest) => ({
          kind: /^kind: (\S+)$/m.exec(manifest)?.[1],
          policy: /helm\.sh\/hook-delete-policy: (\S+)/.exec(manifest)?.[1] ?? '',
        }))
        .filter((hook) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(hook.kind ?? ''));
      expect(hooks).toHaveLength(6);
      for (const hook of hooks) expect(hook.policy.split(','), hook.kind).toContain('hook-failed');
      await helmIn(namespace)('uninstall', 'learnflow', '--wait', '--timeout', '2m');
    },
  );

  // No container runs here, so the hook never writes the Secret: the test writes it.
  it(
    'runs the credentials hook on an upgrade only while the Secret lacks a key, or is one the hook made without its instance label',
    { timeout: 180_000 },
    async () => {
      const chart = await ownChartDir();
      const namespace = await cluster.namespace('credentials-skip', 'restricted');
      const helm = helmIn(namespace);
      const hooksRun = () => installHooksRun(helm);
      await helm('install', 'learnflow', chart, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);
      const job = await cluster.kubectlJson<{ spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } } }>(
        ['get', 'job', 'learnflow-credentials-hook', '--namespace', namespace],
      );
      const keys = job.spec.template.spec.containers[0]!.env.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KEYS')!.value.split(',');
      expect(keys).toEqual(expect.arrayContaining(['postgres-password', 'password']));

      const kubectl = async (...args: string[]) => expect((await cluster.kubectl([...args, '--namespace', namespace])).code).toBe(0);
      // The Secret as the hook leaves it (KWOK's nodes run no program). First as a user makes it,
      // without labels: complete, so there is nothing to do; a user's Secret is never labelled.
      await kubectl('create', 'secret', 'generic', 'learnflow-credentials', ...keys.map((key) => `--from-literal=${key}=value-of-${key}`));
      await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-reconcile']);
      // Then as the hook of 0.1.0 made it, without its instance label.
      const labels = Object.entries(hooksOwnedLabels('learnflow')).map(([key, value]) => `${key}=${value}`);
      await kubectl(
        'label',
        'secret',
        'learnflow-credentials',
        ...labels.filter((label) => !label.startsWith('app.kubernetes.io/instance=')),
      );
      await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);
      await kubectl('label', 'secret', 'learnflow-credentials', ...labels);
      await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-reconcile']);

      await kubectl('patch', 'secret', 'learnflow-credentials', '--type', 'json', '--patch', '[{"op":"remove","path":"/data/password"}]');
      await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);
      // Where Helm cannot read the cluster (helm template, Argo CD), the hook is always rendered.
      const rendered = await cluster.helm(['template', 'learnflow', chart, '--namespace', namespace]);
      expect(rendered.stdout).toMatch(/^ {2}name: "learnflow-credentials-hook"$/m);
      await helm('uninstall', 'learnflow', '--wait', '--timeout', '3m');
    },
  );

  it(
    "runs the credentials hook while a services namespace's copy is missing or differs from the Secret",
    { timeout: 180_000 },
    async () => {
      const chart = await ownChartDir();
      const [namespace, services] = await Promise.all([
        cluster.namespace('credentials-copy', 'restricted'),
        cluster.namespace('credentials-services', 'restricted'),
      ]);
      const helm = helmIn(namespace);
      const values = ['--set', `global.learnflow.serviceNamespaces={${services}}`];
      const hooksRun = () => installHooksRun(helm);
      const kubectl = async (...args: string[]) => expect((await cluster.kubectl(args)).code).toBe(0);
      // The release's Secret complete, as the hook leaves it (KWOK's nodes run no program): only the copy is missing.
      const rendered = await cluster.helm(['template', 'learnflow', chart, '--namespace', namespace, ...values]);
      const env = (name: string) => new RegExp(`name: ${name}\\n\\s+value: "([^"]*)"`).exec(rendered.stdout)![1]!.split(',');
      const literals = (keys: string[]) => keys.map((key) => `--from-literal=${key}=value-of-${key}`);
      await kubectl(
        'create',
        'secret',
        'generic',
        'learnflow-credentials',
        ...literals(env('LEARNFLOW_HOOKS_KEYS')),
        '--namespace',
        namespace,
      );
      await helm('install', 'learnflow', chart, ...values, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);

      // The copy as the hook leaves it: nothing to do.
      const serviceKeys = env('LEARNFLOW_HOOKS_SERVICE_KEYS');
      expect(serviceKeys).toEqual(['services-password', 'dapr-password']);
      await kubectl('create', 'secret', 'generic', 'learnflow-credentials', ...literals(serviceKeys), '--namespace', services);
      await helm('upgrade', 'learnflow', chart, ...values, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-reconcile']);
      // A password changed in the release's Secret: the copy is stale.
      await kubectl(
        ...['patch', 'secret', 'learnflow-credentials', '--namespace', namespace, '--type', 'merge'],
        ...['--patch', JSON.stringify({ stringData: { 'services-password': 'rotated' } })],
      );
      await helm('upgrade', 'learnflow', chart, ...values, '--wait', '--timeout', '3m');
      expect(await hooksRun()).toEqual(['learnflow-credentials-hook', 'learnflow-reconcile']);
      await helm('uninstall', 'learnflow', '--wait', '--timeout', '3m');
    },
  );
});
