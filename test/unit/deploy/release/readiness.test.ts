import { describe, expect, it } from 'vitest';
import { expectedObjects, pendingByComponent } from '../../../../deploy/release/readiness.js';
import { ownLabels } from '../../../support/deploy-objects.js';

describe('readiness', () => {
  const reconcileJob = (args: string[]) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'seed', labels: ownLabels('reconcile'), annotations: { 'helm.sh/hook': 'post-install,post-upgrade' } },
    spec: { template: { spec: { containers: [{ name: 'reconcile', image: 'i', args }] } } },
  });

  it("counts a workload ready at the replicas the release declares, and only this run's hook Jobs", () => {
    const expected = expectedObjects([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', labels: { 'app.kubernetes.io/name': 'postgresql' } },
        spec: { replicas: 2, template: { spec: { containers: [] } } },
      },
      reconcileJob(['reconcile', 'kafka-topics', 'postgresql-migrate', 'postgresql-seed']),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'check', labels: ownLabels('postgresql-check'), annotations: { 'helm.sh/hook': 'test' } },
        spec: { containers: [] },
      },
    ]);
    const earlier = new Set(['uid-of-the-last-run']);
    const observed = (status: { observedGeneration: number; updatedReplicas: number; readyReplicas: number }, jobUid: string) => ({
      workloads: [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db', generation: 2 },
          spec: { replicas: 0, template: { spec: { containers: [] } } },
          status,
        },
      ],
      jobs: [{ apiVersion: 'batch/v1', kind: 'Job' as const, metadata: { name: 'seed', uid: jobUid }, status: { succeeded: 1 } }],
    });
    // Scaled down by hand, or still rolling out, or the old run's Job: not ready.
    expect(
      pendingByComponent(
        expected,
        observed({ observedGeneration: 2, updatedReplicas: 2, readyReplicas: 1 }, 'uid-of-the-last-run'),
        earlier,
      ),
    ).toMatchObject({
      postgresql: ['PostgreSQL', 'topics, migrations and seeds hook'],
      // The one hook serves both components: each waits for it.
      kafka: ['topics, migrations and seeds hook'],
    });
    // Only for the components whose parts it runs.
    const databaseOnly = expectedObjects([reconcileJob(['reconcile', 'postgresql-migrate', 'postgresql-seed'])]);
    expect(databaseOnly.map((item) => item.component)).toEqual(['postgresql']);
    expect(
      pendingByComponent(expected, observed({ observedGeneration: 1, updatedReplicas: 2, readyReplicas: 2 }, 'uid-of-this-run'), earlier)
        .postgresql,
    ).toEqual(['PostgreSQL']);
    expect(
      pendingByComponent(expected, observed({ observedGeneration: 2, updatedReplicas: 1, readyReplicas: 2 }, 'uid-of-this-run'), earlier)
        .postgresql,
    ).toEqual(['PostgreSQL']);
    expect(
      pendingByComponent(expected, observed({ observedGeneration: 2, updatedReplicas: 2, readyReplicas: 2 }, 'uid-of-this-run'), earlier)
        .postgresql,
    ).toEqual([]);
  });
});
