import { describe, expect, inject, it } from 'vitest';
import { ownChartDir } from '../support/chart.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));

describe('least privilege', () => {
  it('the hooks ServiceAccount may do nothing in the cluster', async () => {
    const namespace = await cluster.namespace('rbac');
    const install = await cluster.helm([
      'install',
      'learnflow',
      await ownChartDir(),
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '3m',
    ]);
    expect(install.code, install.stderr).toBe(0);
    const account = `system:serviceaccount:${namespace}:learnflow-hooks`;
    for (const [verb, resource] of [
      ['get', 'secrets'],
      ['list', 'pods'],
      ['create', 'configmaps'],
      ['get', 'jobs.batch'],
    ] as const) {
      const result = await cluster.kubectl(['auth', 'can-i', verb, resource, '--namespace', namespace, '--as', account]);
      expect(`${verb} ${resource}: ${result.stdout.trim()}`).toBe(`${verb} ${resource}: no`);
    }
  });
});
