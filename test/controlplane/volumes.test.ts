import { describe, expect, inject, it } from 'vitest';
import { volumeSizePins } from '../../deploy/release/volumes.js';
import { chartCopy, parseObjects, subchartsDir, type K8sObject } from '../support/chart.js';
import { Cluster } from '../support/controlplane.js';

const cluster = new Cluster(inject('kubeconfig'));

// The whole release's StatefulSets (the Bitnami charts) on a real API server, without hooks and
// without Dapr (its cluster-wide objects belong to other tests): what an upgrade may do to them.
const quiet = ['--no-hooks', '--set', 'dapr.enabled=false', '--set', 'daprComponents.enabled=false'];

const zookeeperSize = async (namespace: string) => {
  const statefulSet = await cluster.kubectlJson<{
    spec: { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] };
  }>(['get', 'statefulset', 'learnflow-zookeeper', '--namespace', namespace]);
  return statefulSet.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage;
};

describe('volume sizes across an upgrade, on a real API server', () => {
  it(
    "refuses to change a StatefulSet's volume size, and the deploy command's pins keep the release made with 8Gi upgradable",
    { timeout: 180_000 },
    async () => {
      const chart = await chartCopy({ subcharts: subchartsDir() });
      const namespace = await cluster.namespace('volumes');
      const helm = (...args: string[]) => cluster.helm([...args, '--namespace', namespace]);
      // The credentials Secret the (skipped) credentials hook makes: the postgresql chart reads it on upgrade.
      const secret = await cluster.kubectl([
        ...['create', 'secret', 'generic', 'learnflow-credentials', '--namespace', namespace],
        ...['--from-literal=postgres-password=p1-not-used', '--from-literal=password=p2-not-used'],
      ]);
      expect(secret.code, secret.stderr).toBe(0);

      // A release made by 0.1.x, whose ZooKeeper volume was 8Gi.
      const installed = await helm('install', 'learnflow', chart, ...quiet, '--set', 'kafka.zookeeper.persistence.size=8Gi');
      expect(installed.code, installed.stderr).toBe(0);

      // The new default (1Gi) as a plain upgrade: the API server refuses it.
      const plain = await helm('upgrade', 'learnflow', chart, ...quiet);
      expect(plain.code).not.toBe(0);
      // Kubernetes 1.37 names the immutable field; earlier releases refused the whole spec.
      expect(plain.stderr).toMatch(/StatefulSet.apps "learnflow-zookeeper" is invalid: spec.volumeClaimTemplates: .*field is immutable/);

      // What `up` does: the values that keep each existing size, from the rendered release and the cluster's StatefulSets.
      const rendered = await helm('template', 'learnflow', chart, ...quiet);
      const existing = await cluster.kubectlJson<{ items: K8sObject[] }>(['get', 'statefulsets', '--namespace', namespace]);
      const pins = volumeSizePins(parseObjects(rendered.stdout), existing.items);
      expect(pins).toEqual({
        set: ['--set', 'kafka.zookeeper.persistence.size=8Gi'],
        kept: ['StatefulSet learnflow-zookeeper, volume data: kept at 8Gi (the values say 1Gi; kafka.zookeeper.persistence.size)'],
        unpinnable: [],
      });
      const pinned = await helm('upgrade', 'learnflow', chart, ...quiet, ...pins.set);
      expect(pinned.code, pinned.stderr).toBe(0);
      expect(await zookeeperSize(namespace)).toBe('8Gi');

      // A new release gets the new default.
      const fresh = await cluster.namespace('volumes-new');
      const made = await cluster.helm(['install', 'learnflow', chart, ...quiet, '--namespace', fresh]);
      expect(made.code, made.stderr).toBe(0);
      expect(await zookeeperSize(fresh)).toBe('1Gi');
    },
  );
});
