import { describe, expect, it } from 'vitest';
import { capacityShortfall, freeCapacity, podRequests, releaseRequests } from '../../../../deploy/release/capacity.js';
import type { PodTemplate } from '../../../../deploy/cluster/manifest.js';
import type { Node } from '../../../../deploy/cluster/objects.js';
import { ownLabels, pod } from '../../../support/deploy-objects.js';

describe('capacity', () => {
  const container = (cpu: string, memory: string, restartPolicy?: string) => ({
    name: 'c',
    image: 'i',
    resources: { requests: { cpu, memory } },
    ...(restartPolicy ? { restartPolicy } : {}),
  });

  it('counts containers and native sidecars, or the largest init container when that is more', () => {
    expect(
      podRequests({
        containers: [container('100m', '64Mi')],
        initContainers: [container('1', '32Mi'), container('50m', '16Mi', 'Always')],
      }),
    ).toEqual({ cpu: 1, memory: 80 * 2 ** 20 });
  });

  it('counts replicas, and only the largest hook Pod since hooks run one at a time', () => {
    const template = (name: string, replicas: number, hook: boolean, cpu: string): PodTemplate => ({
      owner: { apiVersion: 'v1', kind: hook ? 'Job' : 'StatefulSet', metadata: { name } },
      labels: hook ? ownLabels('reconcile') : { 'app.kubernetes.io/name': 'postgresql' },
      annotations: {},
      spec: { containers: [container(cpu, '1Gi')] },
      replicas,
      hook,
    });
    const needed = releaseRequests([
      template('db', 2, false, '500m'),
      template('seed', 1, true, '100m'),
      template('migrate', 1, true, '200m'),
    ]);
    expect(needed.total).toEqual({ cpu: 1.2, memory: 3 * 2 ** 30 });
    expect(needed.contributors.map((item) => item.value)).toEqual(['postgresql.primary.resources', 'hooks.resources']);
  });

  it('adds the Dapr sidecar the injector will add, with the requests its annotations give', () => {
    const check: PodTemplate = {
      owner: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'dapr-check' } },
      labels: ownLabels('dapr-check'),
      annotations: { 'dapr.io/enabled': 'true', 'dapr.io/sidecar-cpu-request': '50m', 'dapr.io/sidecar-memory-request': '64Mi' },
      spec: { containers: [container('50m', '96Mi')] },
      replicas: 1,
      hook: true,
    };
    expect(releaseRequests([check]).total).toEqual({ cpu: 0.1, memory: 160 * 2 ** 20 });
  });

  it("leaves out cordoned and tainted nodes, finished Pods and the release's own Pods", () => {
    const node = (name: string, spec: Node['spec'] = {}): Node => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec,
      status: { allocatable: { cpu: '4', memory: '8Gi' } },
    });
    const running = (name: string, phase: string) =>
      pod(name, { spec: { nodeName: 'a', containers: [container('1', '1Gi')] }, status: { phase } });
    const free = freeCapacity(
      [node('a'), node('b', { unschedulable: true }), node('c', { taints: [{ key: 'x', effect: 'NoSchedule' }] })],
      [running('other', 'Running'), running('done', 'Succeeded'), running('ours', 'Running')],
      (candidate) => candidate.metadata.name === 'ours',
    );
    expect(free).toEqual({ cpu: 3, memory: 7 * 2 ** 30, nodes: 3, schedulableNodes: 1 });
    const short = capacityShortfall(
      {
        total: { cpu: 4, memory: 2 ** 30 },
        contributors: [{ title: 'Kafka broker', value: 'kafka.broker.resources', requests: { cpu: 4, memory: 2 ** 30 } }],
      },
      free,
    );
    expect(short).toEqual([
      'the release requests 4 CPU, 1Gi memory; the cluster has 3 CPU, 7Gi memory free on ' +
        '1 schedulable node(s) (2 more cordoned or tainted NoSchedule)',
      'Kafka broker: 4 CPU, 1Gi memory (kafka.broker.resources)',
    ]);
  });
});
