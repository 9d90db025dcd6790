import { describe, expect, it } from 'vitest';
import type { Job, Pod } from '../../../../deploy/cluster/objects.js';
import { podsInPlay } from '../../../../deploy/release/snapshot.js';

const job = (uid: string): Job => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'learnflow-credentials-hook', uid } });
const pod = (name: string, metadata: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...metadata },
  spec: { containers: [] },
});
const ownedBy = (kind: string, uid: string) => ({ ownerReferences: [{ kind, name: 'owner', uid }] });

describe('podsInPlay', () => {
  it("leaves out an earlier run's hook Pods, which outlive their Job, and Pods being deleted", () => {
    const pods = [
      pod('earlier-hook', ownedBy('Job', 'uid-of-the-last-run')),
      pod('this-hook', ownedBy('Job', 'uid-of-this-run')),
      pod('postgresql-0', ownedBy('StatefulSet', 'uid-of-the-statefulset')),
      pod('going', { ...ownedBy('ReplicaSet', 'uid-of-a-replicaset'), deletionTimestamp: '2026-12-06T20:36:58Z' }),
      pod('bare'),
    ];
    expect(podsInPlay(pods, [job('uid-of-this-run')]).map((found) => found.metadata.name)).toEqual(['this-hook', 'postgresql-0', 'bare']);
  });
});
