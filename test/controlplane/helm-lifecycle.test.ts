import { describe, expect, inject, it } from 'vitest';
import { ownChartDir } from '../support/chart.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));

interface Job {
  metadata: { name: string; uid: string; annotations: Record<string, string> };
  status: { succeeded?: number };
}

// Pods run on a KWOK node: they are scheduled and reported Running, and hook Job Pods and test
// Pods are reported Succeeded; no container runs. What is real: the API server's validation and
// admission, the Job controller, and Helm's hook ordering, waiting and delete policies.
describe("Helm's release life cycle of the chart's own templates, on a real control plane", () => {
  it('install, upgrade, test, rollback and uninstall run to completion with the hooks as intended', { timeout: 300_000 }, async () => {
    const chart = await ownChartDir();
    const namespace = await cluster.namespace('lifecycle', 'restricted');
    const helm = async (...args: string[]) => {
      const result = await cluster.helm([...args, '--namespace', namespace]);
      expect(result.code, `helm ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const hookJobs = async () => (await cluster.kubectlJson<{ items: Job[] }>(['get', 'jobs', '--namespace', namespace])).items;

    await helm('install', 'learnflow', chart, '--wait', '--timeout', '3m');
    const [installed] = await hookJobs();
    expect(installed?.metadata.name).toBe('learnflow-kafka-topics');
    expect(installed?.status.succeeded).toBe(1);
    const configMap = await cluster.kubectlJson<{ data: Record<string, string> }>(['get', 'configmap', 'learnflow-kafka-topics', '--namespace', namespace]);
    expect(JSON.parse(configMap.data['topics.json']!).topics).toHaveLength(9);

    await helm('upgrade', 'learnflow', chart, '--wait', '--timeout', '3m', '--set', 'kafkaTopics.topics.learning\\.query.partitions=6');
    const upgraded = await hookJobs();
    // before-hook-creation: the install's Job was replaced by the upgrade's, not kept beside it.
    expect(upgraded.map((job) => job.metadata.name)).toEqual(['learnflow-kafka-topics']);
    expect(upgraded[0]!.metadata.uid).not.toBe(installed!.metadata.uid);
    expect(upgraded[0]!.status.succeeded).toBe(1);
    const upgradedTopics = JSON.parse(
      (await cluster.kubectlJson<{ data: Record<string, string> }>(['get', 'configmap', 'learnflow-kafka-topics', '--namespace', namespace])).data['topics.json']!,
    ) as { topics: { name: string; partitions: number }[] };
    expect(upgradedTopics.topics.find((topic) => topic.name === 'learning.query')?.partitions).toBe(6);

    const tested = await helm('test', 'learnflow', '--timeout', '3m');
    expect(tested).toMatch(/TEST SUITE:\s+learnflow-kafka-check[\s\S]*Phase:\s+Succeeded/);

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
});
