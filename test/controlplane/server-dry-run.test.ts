import { describe, expect, inject, it } from 'vitest';
import { chartCopy, parseObjects, renderText, subchartsDir, type K8sObject, type RenderOptions } from '../support/chart.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));
const profiles: Record<string, RenderOptions> = { default: {}, kraft: { valuesFiles: ['profiles/kraft.yaml'] } };

const workloads = new Set(['Pod', 'Job', 'CronJob', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * Every object of a render, sent to the real API server: what Pods depend on (ServiceAccounts,
 * ConfigMaps, Services...) is created for real, then the workloads go as a server-side dry run,
 * which still runs validation and admission (PodSecurity, ServiceAccount) on them.
 */
async function serverDryRun(options: RenderOptions, namespace: string) {
  const objects = parseObjects(await renderText({ ...options, namespace }));
  const toYaml = (selected: K8sObject[]) => selected.map((object) => JSON.stringify(object)).join('\n---\n');
  const dependencies = objects.filter((object) => !workloads.has(object.kind));
  if (dependencies.length > 0) {
    const created = await cluster.kubectl(['apply', '--namespace', namespace, '-f', '-'], toYaml(dependencies));
    if (created.code !== 0) return created;
  }
  return cluster.kubectl(['apply', '--dry-run=server', '--namespace', namespace, '-f', '-'], toYaml(objects.filter((object) => workloads.has(object.kind))));
}

describe.each(Object.entries(profiles))('the real API server accepts every object the chart renders (%s profile)', (_profile, options) => {
  it('own templates, in a namespace that enforces the restricted Pod Security Standard', async () => {
    const namespace = await cluster.namespace('dry-run', 'restricted');
    const result = await serverDryRun(options, namespace);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('job.batch/learnflow-kafka-topics created (server dry run)');
    expect(result.stdout).toContain('pod/learnflow-kafka-check created (server dry run)');
    expect(result.stderr).toBe('');
  });

  it.skipIf(!subchartsDir())('the whole release with the real subcharts', async () => {
    const namespace = await cluster.namespace('dry-run-full');
    const result = await serverDryRun({ ...options, chart: await chartCopy({ subcharts: subchartsDir()! }) }, namespace);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('statefulset.apps/learnflow-kafka');
  });
});

describe('the API server rejects what a restricted namespace forbids', () => {
  it('so the Pod Security check above can fail', async () => {
    const namespace = await cluster.namespace('dry-run-psa', 'restricted');
    const result = await serverDryRun({ set: ['hooks.containerSecurityContext.allowPrivilegeEscalation=true'] }, namespace);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('pods "learnflow-kafka-check" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
  });
});
