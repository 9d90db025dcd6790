import { describe, expect, inject, it } from 'vitest';
import { chartCopy, daprChartsDir, parseObjects, renderText, subchartsDir, type RenderOptions } from '../support/chart.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));
const profiles: Record<string, RenderOptions> = {
  default: {},
  kraft: { valuesFiles: ['profiles/kraft.yaml'] },
  'kafka-sasl': { valuesFiles: ['profiles/kafka-sasl.yaml'] },
  production: { valuesFiles: ['profiles/production.yaml'] },
};

/** Every object of a render, sent to the real API server (see Cluster.serverDryRun). */
async function serverDryRun(options: RenderOptions, namespace: string) {
  return cluster.serverDryRun(parseObjects(await renderText({ ...options, namespace })), namespace);
}

describe.each(Object.entries(profiles))('the real API server accepts every object the chart renders (%s profile)', (_profile, options) => {
  it('own templates, in a namespace that enforces the restricted Pod Security Standard', async () => {
    const namespace = await cluster.namespace('dry-run', 'restricted');
    const result = await serverDryRun(options, namespace);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('job.batch/learnflow-reconcile created (server dry run)');
    expect(result.stdout).toContain('pod/learnflow-kafka-check created (server dry run)');
    expect(result.stderr).toBe('');
  });

  it('the whole release with the real subcharts, in a namespace that enforces the restricted Pod Security Standard', async () => {
    const namespace = await cluster.namespace('dry-run-full', 'restricted');
    const result = await serverDryRun({ ...options, chart: await chartCopy({ subcharts: subchartsDir() }) }, namespace);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('statefulset.apps/learnflow-kafka');
  });
});

describe('the API server rejects what a restricted namespace forbids', () => {
  it('so the Pod Security check above can fail', async () => {
    const namespace = await cluster.namespace('dry-run-psa', 'restricted');
    const result = await serverDryRun({ set: ['hooks.containerSecurityContext.allowPrivilegeEscalation=true'] }, namespace);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'pods "learnflow-kafka-check" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
    );
  });
});

describe('the release with the real dapr chart', () => {
  it("is accepted by the API server (the suite installed the chart's CRDs first), its Pods in a restricted namespace", async () => {
    const namespace = await cluster.namespace('dry-run-dapr', 'restricted');
    const result = await serverDryRun({ chart: await chartCopy({ subcharts: daprChartsDir() }) }, namespace);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('statefulset.apps/dapr-scheduler-server created (server dry run)');
    expect(result.stdout).toContain('pod/dapr-scheduler-server-template created (server dry run)');
    expect(result.stdout).toContain(
      'mutatingwebhookconfiguration.admissionregistration.k8s.io/dapr-sidecar-injector created (server dry run)',
    );
    expect(result.stdout).toContain('component.dapr.io/pubsub-kafka created');
    expect(result.stdout).toContain('component.dapr.io/statestore created');
  });
});

describe('the Component CRD schema', () => {
  it('is enforced, so the check above can fail', async () => {
    const namespace = await cluster.namespace('dry-run-component');
    const component = parseObjects(await renderText({ namespace })).find((object) => object.kind === 'Component')!;
    delete (component['spec'] as { version?: string }).version;
    const result = await cluster.kubectl(['apply', '--dry-run=server', '--namespace', namespace, '-f', '-'], JSON.stringify(component));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('spec.version: Required value');
  });

  it('and the control plane alone, as the production profile installs it in a release of its own, in a restricted namespace', async () => {
    const namespace = await cluster.namespace('dry-run-dapr-system', 'restricted');
    const result = await serverDryRun(
      {
        release: 'dapr',
        valuesFiles: ['profiles/production.yaml', 'profiles/dapr-control-plane.yaml'],
        chart: await chartCopy({ subcharts: daprChartsDir() }),
      },
      namespace,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('deployment.apps/dapr-operator created (server dry run)');
    expect(result.stdout).not.toContain('learnflow');
  });
});
