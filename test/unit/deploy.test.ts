import { describe, expect, it } from 'vitest';
import { capacityShortfall, freeCapacity, podRequests, releaseRequests } from '../../deploy/release/capacity.js';
import { partOf } from '../../deploy/release/components.js';
import { failedJob, imagePull, podsRefused, unschedulable } from '../../deploy/release/diagnosis.js';
import { parseDependencyList } from '../../deploy/tools/helm.js';
import { imageValues, localClusterOf } from '../../deploy/tools/image.js';
import { unreachable } from '../../deploy/tools/kubectl.js';
import type { PodTemplate } from '../../deploy/cluster/manifest.js';
import type { Event, Job, Node, Pod, Workload } from '../../deploy/cluster/objects.js';
import { claimsOf, storageProblem, versionProblem } from '../../deploy/flows/preflight-problems.js';
import { formatDuration, outputMode, Progress } from '../../deploy/output/progress.js';
import { parseQuantity } from '../../deploy/cluster/quantity.js';
import { expectedObjects, pendingByComponent } from '../../deploy/release/readiness.js';

const ownLabels = (component: string) => ({ 'app.kubernetes.io/part-of': 'learnflow', 'app.kubernetes.io/component': component });

function pod(name: string, fields: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: ownLabels('reconcile') },
    spec: { containers: [] },
    ...fields,
  };
}

describe('quantities', () => {
  it('reads CPU and memory as Kubernetes writes them', () => {
    expect([
      parseQuantity('250m'),
      parseQuantity('1.5'),
      parseQuantity(2),
      parseQuantity('768Mi'),
      parseQuantity('1G'),
      parseQuantity('1e3'),
    ]).toEqual([0.25, 1.5, 2, 768 * 2 ** 20, 1e9, 1000]);
    expect(() => parseQuantity('lots')).toThrow('"lots" is not a Kubernetes quantity');
  });
});

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

describe('components', () => {
  it('knows each part by the labels its chart puts on it, and the values that size it', () => {
    const labelled = (labels: Record<string, string>) => partOf({ metadata: { name: 'x', labels } });
    expect(labelled({ 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/component': 'broker' })?.resourcesValue).toBe(
      'kafka.broker.resources',
    );
    expect(labelled({ 'app.kubernetes.io/name': 'zookeeper' })?.components).toEqual(['kafka']);
    expect(labelled({ 'app.kubernetes.io/part-of': 'dapr', 'app.kubernetes.io/component': 'sidecar-injector' })?.resourcesValue).toBe(
      'dapr.dapr_sidecar_injector.resources',
    );
    expect(labelled(ownLabels('reconcile'))).toMatchObject({
      components: ['kafka', 'postgresql'],
      imageValue: 'hooks.image (registry, repository, tag)',
    });
    expect(labelled({ app: 'something-else' })).toBeUndefined();
  });
});

describe('diagnoses', () => {
  it('names the values that shrink an unschedulable Pod, or the volume that holds it back', () => {
    const pending = (message: string) =>
      pod('p', { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } });
    expect(unschedulable(pending('0/3 nodes are available: 3 Insufficient memory.'))).toMatchObject({
      message: 'topics, migrations and seeds hook (Pod p) cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.',
      fix: expect.stringContaining('hooks.resources'),
    });
    expect(unschedulable(pending('0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.'))?.fix).toContain(
      'StorageClass',
    );
    expect(unschedulable(pod('scheduled'))).toBeUndefined();
  });

  it("takes the registry's error from the kubelet's event when the Pod only says back-off", () => {
    const backOff = pod('p', {
      status: {
        containerStatuses: [
          {
            name: 'c',
            image: 'r.example/hooks:1',
            ready: false,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r.example/hooks:1"' } },
          },
        ],
      },
    });
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'Pod', name: 'p' },
      type: 'Warning',
      reason: 'Failed',
      message: 'Failed to pull image "r.example/hooks:1": not found',
    };
    expect(imagePull(backOff, [event])?.message).toBe(
      'topics, migrations and seeds hook (Pod p) cannot pull image r.example/hooks:1: Failed to pull image "r.example/hooks:1": not found',
    );
    expect(imagePull(backOff, [])?.message).toContain('Back-off pulling image');
  });

  it("names the Pod Security Standard or quota that refuses a controller's Pods, and the values to change", () => {
    const replicaSet: Workload = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'dapr-operator-1', labels: { 'app.kubernetes.io/part-of': 'dapr', 'app.kubernetes.io/component': 'operator' } },
      spec: { template: { spec: { containers: [] } } },
    };
    const refusal = (message: string): Event => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'ReplicaSet', name: 'dapr-operator-1' },
      type: 'Warning',
      reason: 'FailedCreate',
      message,
    });
    const forbidden =
      'Error creating: pods "dapr-operator-1-x" is forbidden: violates PodSecurity "restricted:latest": ' +
      'seccompProfile (pod or container "dapr-operator" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';
    expect(podsRefused(replicaSet, [refusal(forbidden)])).toMatchObject({
      message: `Dapr operator (ReplicaSet dapr-operator-1) cannot create its Pods: ${forbidden}`,
      fix: expect.stringContaining(
        'Pod Security Standard "restricted:latest", which these Pods do not meet: set the ' +
          'security context values of their chart (dapr.global.seccompProfile)',
      ),
    });
    expect(podsRefused(replicaSet, [refusal('Error creating: pods "x" is forbidden: exceeded quota: compute')])?.fix).toContain(
      'dapr.dapr_operator.resources',
    );
    expect(podsRefused(replicaSet, [])).toBeUndefined();
  });

  it("gives a failed Job's exit codes and log lines once each", () => {
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'ns', labels: ownLabels('reconcile') },
      status: {
        failed: 1,
        conditions: [
          { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        ],
      },
    };
    const exited = pod('j-1', {
      status: {
        containerStatuses: [{ name: 'c', image: 'i', ready: false, state: { terminated: { exitCode: 1, message: 'wrong password\n' } } }],
      },
    });
    expect(failedJob(job, [exited], ['wrong password'])).toMatchObject({
      message: 'topics, migrations and seeds hook (Job j) failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      details: ['exit code 1: wrong password', 'wrong password'],
    });
  });
});

describe('prerequisites', () => {
  it('compares versions as Kubernetes and Helm print them', () => {
    expect(versionProblem('kubernetes', 'v1.34.4')).toBeUndefined();
    expect(versionProblem('helm', 'v3.17.3')).toBe('helm v3.17.3 is older than the 3.18 this chart needs');
    expect(versionProblem('helm', 'v4.3')).toBeUndefined();
    expect(versionProblem('kubectl', '')).toBe('kubectl (unknown version) is older than the 1.29 this chart needs');
  });

  it('needs a default StorageClass only for claims that name no class', () => {
    const objects = [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: { template: { spec: { containers: [] } }, volumeClaimTemplates: [{ spec: {} }] },
      },
    ];
    const storageClass = (name: string, isDefault: boolean) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      provisioner: 'p',
      metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } },
    });
    expect(storageProblem(claimsOf(objects), [storageClass('slow', false)])).toBe(
      'the cluster has no default StorageClass, and StatefulSet db ask for volumes of the default class',
    );
    expect(storageProblem(claimsOf(objects), [storageClass('fast', true)])).toBeUndefined();
    expect(storageProblem([{ owner: 'StatefulSet db', storageClassName: 'gp3' }], [storageClass('fast', true)])).toBe(
      'StorageClass gp3 does not exist (asked for by StatefulSet db)',
    );
  });
});

describe('the hooks image', () => {
  it('is loaded into kind, k3d and minikube clusters, known by their context names', () => {
    expect(localClusterOf('kind-learnflow')).toEqual({ tool: 'kind', name: 'learnflow' });
    expect(localClusterOf('k3d-dev')).toEqual({ tool: 'k3d', name: 'dev' });
    expect(localClusterOf('minikube')).toEqual({ tool: 'minikube', name: 'minikube' });
    expect(localClusterOf('arn:aws:eks:eu-west-1:1:cluster/prod')).toBeUndefined();
  });

  it("turns an image reference into the chart's values", () => {
    expect(imageValues('registry.example.com:5000/team/hooks:1.2.3')).toEqual([
      '--set-string',
      'hooks.image.registry=registry.example.com:5000',
      '--set-string',
      'hooks.image.repository=team/hooks',
      '--set-string',
      'hooks.image.tag=1.2.3',
    ]);
    expect(imageValues(`learnflow/hooks@sha256:${'a'.repeat(64)}`)).toContain(`hooks.image.digest=sha256:${'a'.repeat(64)}`);
    expect(imageValues('learnflow/hooks:1')).toContain('hooks.image.registry=docker.io');
    expect(() => imageValues('learnflow/hooks')).toThrow('not an image reference with a tag or digest');
  });
});

describe('tool output', () => {
  it('tells an unreachable cluster from other kubectl errors', () => {
    expect(unreachable('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')?.message).toBe(
      'cluster unreachable: the Kubernetes API server cannot be reached',
    );
    expect(unreachable('error: You must be logged in to the server (Unauthorized)')?.message).toBe(
      "cluster unreachable: the cluster rejected the kubeconfig's credentials",
    );
    expect(unreachable('Error from server (NotFound): pods "x" not found')).toBeUndefined();
  });

  it('reads helm dependency list', () => {
    expect(
      parseDependencyList(
        [
          'NAME\tVERSION\tREPOSITORY\tSTATUS',
          'kafka\t31.5.0\toci://registry/bitnamicharts\tmissing',
          'dapr\t1.18.3\thttps://dapr.github.io/helm-charts\tunpacked',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      { name: 'kafka', repository: 'oci://registry/bitnamicharts', status: 'missing' },
      { name: 'dapr', repository: 'https://dapr.github.io/helm-charts', status: 'unpacked' },
    ]);
  });
});

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

describe('progress', () => {
  it('prints one line per change in CI, JSON on request, and a live line on a terminal', () => {
    let clock = 0;
    const printed = (mode: 'plain' | 'json' | 'tty') => {
      clock = 0;
      let text = '';
      const progress = new Progress(
        mode,
        (chunk) => (text += chunk),
        () => clock,
      );
      progress.phase('install');
      clock = 65_000;
      progress.waiting('Kafka broker');
      progress.waiting('Kafka broker');
      progress.problem({ key: 'k', problem: 'image-pull', message: 'cannot pull', fix: 'set kafka.image', details: [] });
      progress.problem({ key: 'k', problem: 'image-pull', message: 'cannot pull', fix: 'set kafka.image', details: [] });
      progress.stop();
      return text;
    };
    expect(printed('plain')).toBe('==> install\n    [1m05s] waiting for Kafka broker\n    ! cannot pull\n      fix: set kafka.image\n');
    const events = printed('json')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event['event'])).toEqual(['phase', 'waiting', 'problem']);
    expect(printed('tty')).toContain('\r\x1b[K[install 1m05s] waiting for Kafka broker');
    expect(outputMode('auto', { isTTY: true }, { CI: 'true' })).toBe('plain');
    expect(outputMode('auto', { isTTY: true }, {})).toBe('tty');
    expect(formatDuration(59_400)).toBe('59s');
  });
});
