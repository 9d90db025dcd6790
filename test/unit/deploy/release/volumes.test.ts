import { describe, expect, it } from 'vitest';
import { volumeSizePins } from '../../../../deploy/release/volumes.js';

const statefulSet = (name: string, labels: Record<string, string>, storage: string, claim = 'data') => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, labels },
  spec: { volumeClaimTemplates: [{ metadata: { name: claim }, spec: { resources: { requests: { storage } } } }] },
});
const zookeeper = (storage: string) => statefulSet('learnflow-zookeeper', { 'app.kubernetes.io/name': 'zookeeper' }, storage);
const postgresql = (storage: string) =>
  statefulSet('learnflow-postgresql', { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/component': 'primary' }, storage);

describe('volume sizes an upgrade keeps', () => {
  it('keeps the size each existing volume has, by the value that sizes it', () => {
    expect(volumeSizePins([zookeeper('1Gi'), postgresql('8Gi')], [zookeeper('8Gi'), postgresql('8Gi')])).toEqual({
      set: ['--set', 'kafka.zookeeper.persistence.size=8Gi'],
      kept: ['StatefulSet learnflow-zookeeper, volume data: kept at 8Gi (the values say 1Gi; kafka.zookeeper.persistence.size)'],
      unpinnable: [],
    });
  });

  it("keeps the Dapr scheduler's, which the dapr chart labels by app", () => {
    const scheduler = (storage: string) =>
      statefulSet(
        'dapr-scheduler-server',
        { app: 'dapr-scheduler-server', 'app.kubernetes.io/name': 'learnflow' },
        storage,
        'dapr-scheduler-data-dir',
      );
    expect(volumeSizePins([scheduler('2Gi')], [scheduler('1Gi')]).set).toEqual(['--set', 'dapr.dapr_scheduler.cluster.storageSize=1Gi']);
  });

  it('asks nothing of a new release, or of sizes that are equal however written', () => {
    expect(volumeSizePins([zookeeper('1Gi')], [])).toEqual({ set: [], kept: [], unpinnable: [] });
    expect(volumeSizePins([postgresql('8Gi')], [postgresql('8192Mi')])).toEqual({ set: [], kept: [], unpinnable: [] });
  });

  it("pins only the claim a value sizes: another claim of the same StatefulSet is not the value's", () => {
    const withLogs = (data: string, logs: string) => {
      const made = zookeeper(data);
      made.spec.volumeClaimTemplates.push({ metadata: { name: 'data-log' }, spec: { resources: { requests: { storage: logs } } } });
      return made;
    };
    expect(volumeSizePins([withLogs('1Gi', '2Gi')], [withLogs('1Gi', '4Gi')])).toEqual({
      set: [],
      kept: [],
      unpinnable: ['StatefulSet learnflow-zookeeper, volume data-log: 4Gi in the cluster, 2Gi in the values'],
    });
  });

  it('names a volume no value sizes, which the upgrade would fail on', () => {
    const other = (storage: string) => statefulSet('cache', { 'app.kubernetes.io/name': 'redis' }, storage);
    expect(volumeSizePins([other('2Gi')], [other('4Gi')]).unpinnable).toEqual([
      'StatefulSet cache, volume data: 4Gi in the cluster, 2Gi in the values',
    ]);
  });
});
