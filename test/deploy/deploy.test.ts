import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { hooksOwnedLabels } from '../../common/labels.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartCopy, daprChartsDir, subchartsDir } from '../support/chart.js';
import { runDeploy, type DeployEvent, type DeployResult } from '../support/cli.js';
import { Cluster, ControlPlane } from '../support/controlplane.js';
import { runOk } from '../support/process.js';

// The deploy command end to end on a real control plane of its own (its tests install the Dapr
// control plane and change cluster-wide objects: StorageClasses, volumes), with KWOK nodes: Pods
// are scheduled by the real scheduler, volumes bound by the real PersistentVolume controller, and
// the kubelet's side (running, pull failures, exit codes) is simulated as docs/testing.md says.
// The chart: our templates and the real dapr chart (the Bitnami charts are not reachable here).

let controlPlane: ControlPlane;
let cluster: Cluster;
let chart: string;

beforeAll(async () => {
  [controlPlane, chart] = await Promise.all([ControlPlane.start('deploy'), chartCopy({ subcharts: daprChartsDir() })]);
  cluster = new Cluster(controlPlane.kubeconfig);
}, 120_000);

afterAll(async () => {
  await controlPlane?.delete();
});

const image = 'ghcr.io/learnflow/learnflow-hooks:0.2.0';
// The injector's webhook would be called for every Pod created, and KWOK's Pods have no network:
// each creation would wait for the webhook's timeout.
const common = [
  '--chart',
  () => chart,
  '--output',
  'json',
  '--poll-seconds',
  '0.5',
  '--set',
  'dapr.dapr_sidecar_injector.enabled=false',
] as const;

function deploy(...args: (string | (() => string))[]): Promise<DeployResult> {
  return runDeploy(
    args.map((arg) => (typeof arg === 'function' ? arg() : arg)),
    controlPlane.kubeconfig,
  );
}

function only(result: DeployResult, event: string): DeployEvent {
  const found = result.events.filter((entry) => entry.event === event);
  expect(found, `${event} events in:\n${result.stdout}\n${result.stderr}`).toHaveLength(1);
  return found[0]!;
}

function errorOf(result: DeployResult): { message: string; fix: string; details: string[] } {
  return only(result, 'error') as unknown as { message: string; fix: string; details: string[] };
}

async function apply(manifest: object): Promise<void> {
  const result = await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  expect(result.code, result.stderr).toBe(0);
}

async function provideVolumes(prefix: string, count: number, size = '1Gi'): Promise<void> {
  // No provisioner runs here: volumes made in advance, which the real PV controller binds to claims.
  await apply({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'Immediate',
  });
  for (let index = 0; index < count; index += 1) {
    await apply({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${prefix}-${index}` },
      spec: {
        storageClassName: 'local',
        capacity: { storage: size },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: `/tmp/${prefix}-${index}` },
      },
    });
  }
}

describe('up, status, verify and down against a real control plane', () => {
  it('up refuses to start without a default StorageClass, before installing anything', { timeout: 120_000 }, async () => {
    const result = await deploy('up', ...common, '--image', image);
    expect(result.code).toBe(1);
    const error = only(result, 'error');
    expect(error['message']).toBe(
      'the cluster has no default StorageClass, and StatefulSet dapr-scheduler-server ask for volumes of the default class',
    );
    expect(error['fix']).toContain('storageclass.kubernetes.io/is-default-class');
    expect((await cluster.helm(['status', 'learnflow', '--namespace', 'learnflow'])).stderr).toContain('not found');
  });

  it('up installs, waits for every component within its budget, and verifies', { timeout: 300_000 }, async () => {
    await provideVolumes('volume', 3);
    const result = await deploy('up', ...common, '--image', image);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const phases = result.events.filter((entry) => entry.event === 'phase').map((entry) => entry['phase']);
    expect(phases).toEqual(['prerequisites', 'chart', 'image', 'install', 'verify']);
    const report = only(result, 'result') as unknown as {
      ok: boolean;
      timings: { name: string; ms: number; budgetSeconds?: number; criterion?: string }[];
      verification: { components: { component: string; ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }[] };
      notes: string;
    };
    expect(report.ok).toBe(true);
    const budgets = Object.fromEntries(report.timings.map((timing) => [timing.name, [timing.budgetSeconds, timing.criterion]]));
    expect(budgets).toMatchObject({ kafka: [600, 'SC-001'], postgresql: [600, 'SC-002'], dapr: [300, 'SC-003'], total: [1800, 'SC-004'] });
    const checks = Object.fromEntries(
      report.verification.components.flatMap((component) =>
        component.checks.map((check) => [`${component.component} ${check.name}`, check]),
      ),
    );
    expect(checks['dapr workloads']).toMatchObject({ ok: true, detail: expect.stringContaining('Dapr scheduler') });
    expect(checks['dapr volumes']).toEqual({ name: 'volumes', ok: true, detail: '3 bound' });
    expect(checks['kafka helm test learnflow-kafka-check']).toMatchObject({ ok: true });
    expect(checks['postgresql helm test learnflow-postgresql-check']).toMatchObject({ ok: true });
    expect(checks['dapr helm test learnflow-dapr-check']).toMatchObject({ ok: true });
    expect(report.notes).toContain('bootstrap:  learnflow-kafka.learnflow.svc.cluster.local:9092');
  });

  it('status shows the release and its components without running anything', async () => {
    const result = await deploy('status', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = only(result, 'result');
    expect(report).toMatchObject({ release: 'learnflow', status: 'deployed', revision: 1, chart: 'learnflow-0.2.0' });
    expect((report['hooks'] as { name: string; phase: string }[]).map((hook) => `${hook.name} ${hook.phase}`)).toContain(
      'learnflow-reconcile Succeeded',
    );
  });

  it('up again upgrades in place, keeping the volume sizes, and verify checks one component or all', { timeout: 300_000 }, async () => {
    // A volume size the upgrade cannot change: up keeps the one the cluster has, and says so.
    const again = await deploy('up', ...common, '--image', image, '--set', 'dapr.dapr_scheduler.cluster.storageSize=2Gi');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(
      again.events.some((entry) => entry['message'] === 'release learnflow exists (revision 1, deployed): upgrading it in place'),
    ).toBe(true);
    expect(again.events.map((entry) => entry['message'])).toContainEqual(
      expect.stringMatching(
        /^StatefulSet dapr-scheduler-server, volume [\w-]+: kept at 1Gi \(the values say 2Gi; dapr\.dapr_scheduler\.cluster\.storageSize\)/,
      ),
    );

    // An upgrade that would take the Dapr control plane away (the production profile's dapr.enabled
    // false, given to a release that runs it) stops before changing anything, naming both ways out.
    const removing = await deploy('up', ...common, '--image', image, '--set', 'dapr.enabled=false');
    expect(removing.code).not.toBe(0);
    expect(errorOf(removing)).toMatchObject({
      message:
        "the upgrade would remove release learnflow's Dapr control plane (dapr.enabled is false), " +
        'which every Dapr sidecar in the cluster relies on',
      fix: expect.stringContaining('keep it with --set dapr.enabled=true, or move it to a release of its own first'),
    });
    const status = await cluster.helm(['status', 'learnflow', '--namespace', 'learnflow', '--output', 'json']);
    expect((JSON.parse(status.stdout) as { version: number }).version, 'no revision added').toBe(2);

    const kafka = await deploy('verify', 'kafka', '--json');
    expect(kafka.code, kafka.stdout + kafka.stderr).toBe(0);
    expect((only(kafka, 'result')['components'] as { component: string }[]).map((component) => component.component)).toEqual(['kafka']);

    const plain = await deploy('verify', '--output', 'plain');
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain('ok    dapr       volumes: 3 bound');
    expect(plain.stdout).toContain('all checks passed');
  });

  it('verify fails, with a non-zero exit, when a component is not healthy', { timeout: 120_000 }, async () => {
    const scaled = await cluster.kubectl(['scale', 'statefulset/dapr-scheduler-server', '--replicas', '0', '--namespace', 'learnflow']);
    expect(scaled.code, scaled.stderr).toBe(0);
    // The release says 3 replicas; the cluster has none ready.
    const result = await deploy('verify', 'dapr', '--json');
    expect(result.code).toBe(1);
    const checks = (only(result, 'result')['components'] as { checks: { name: string; ok: boolean; detail: string }[] }[])[0]!.checks;
    expect(checks.find((check) => check.name === 'workloads')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('not ready: Dapr scheduler'),
    });
    await cluster.kubectl(['scale', 'statefulset/dapr-scheduler-server', '--replicas', '3', '--namespace', 'learnflow']);
  });

  it('down keeps the data unless asked, and asks before deleting it', { timeout: 300_000 }, async () => {
    // What the hooks would have made (no hook program runs on KWOK's nodes): the credentials
    // Secret and the topic state; and a ConfigMap of someone else's, which down never touches.
    const metadata = (name: string) => ({ name, namespace: 'learnflow', labels: hooksOwnedLabels('learnflow') });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: metadata('learnflow-credentials'), stringData: { password: 'x' } });
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata('learnflow-kafka-topics-state'),
      data: { 'status.json': JSON.stringify({ inSync: true, time: new Date().toISOString(), topics: [] }) },
    });
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace: 'learnflow' }, data: {} });
    const kept = await deploy('down', '--json');
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    const keptData = only(kept, 'result')['data'] as { kind: string; name: string; action: string }[];
    expect(keptData.map((item) => `${item.action} ${item.kind}/${item.name}`).sort()).toEqual([
      'kept ConfigMap/learnflow-kafka-topics-state',
      'kept PersistentVolumeClaim/dapr-scheduler-data-dir-dapr-scheduler-server-0',
      'kept PersistentVolumeClaim/dapr-scheduler-data-dir-dapr-scheduler-server-1',
      'kept PersistentVolumeClaim/dapr-scheduler-data-dir-dapr-scheduler-server-2',
      'kept Secret/learnflow-credentials',
    ]);
    expect((await cluster.helm(['status', 'learnflow', '--namespace', 'learnflow'])).code).not.toBe(0);

    // The kept volumes are bound again by the next up.
    const back = await deploy('up', ...common, '--image', image);
    expect(back.code, back.stdout + back.stderr).toBe(0);

    const unconfirmed = await deploy('down', '--delete-data', '--json');
    expect(unconfirmed.code).toBe(1);
    expect(only(unconfirmed, 'error')['message']).toBe('deleting data needs confirmation, and there is no terminal to ask on');
    expect((await cluster.helm(['status', 'learnflow', '--namespace', 'learnflow'])).code).toBe(0);

    const deleted = await deploy('down', '--delete-data', '--yes', '--json');
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect((only(deleted, 'result')['data'] as { action: string }[]).every((item) => item.action === 'deleted')).toBe(true);
    const left = await cluster.kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>([
      'get',
      'persistentvolumeclaims,secrets,configmaps',
      '--namespace',
      'learnflow',
    ]);
    // kube-root-ca.crt is the namespace's own, published by the controller manager.
    expect(left.items.map((item) => `${item.kind}/${item.metadata.name}`).sort()).toEqual([
      'ConfigMap/kube-root-ca.crt',
      'ConfigMap/someone-elses',
    ]);
  });
});

describe('up explains what stops a release instead of timing out', () => {
  // Each in its own namespace, using the Dapr control plane another release installs.
  const elsewhere = (namespace: string) => ['--namespace', namespace, '--set', 'dapr.enabled=false', '--stall-seconds', '3'];

  beforeAll(async () => {
    await provideVolumes('dapr-system-volume', 3);
    const dapr = await deploy('up', ...common, '--image', image, '--namespace', 'dapr-system');
    expect(dapr.code, dapr.stdout + dapr.stderr).toBe(0);
  }, 300_000);

  it("a Pod no node can hold: the scheduler's reason and the values that shrink it; a re-run continues", { timeout: 120_000 }, async () => {
    // 5 CPUs fit in the two nodes' 8 together, so the capacity check passes; no single node has 5.
    const stuck = await deploy(
      'up',
      ...common,
      ...elsewhere('unschedulable'),
      '--image',
      image,
      '--set',
      'hooks.resources.requests.cpu=5',
      '--set',
      'hooks.resources.limits.cpu=5',
    );
    expect(stuck.code).toBe(1);
    const error = errorOf(stuck);
    expect(error.message).toBe('the release cannot become ready: 1 problem(s) lasted 3s');
    expect(error.details[0]).toMatch(
      /^credentials hook \(Pod learnflow-credentials-hook-\w+\) cannot be scheduled: 0\/2 nodes are available: 2 Insufficient cpu/,
    );
    expect(error.details[1]).toContain('lower its requests with hooks.resources');
    // Helm's operation was cancelled, not left pending; the next up carries on from there.
    const release = JSON.parse(
      (await cluster.helm(['status', 'learnflow', '--namespace', 'unschedulable', '--output', 'json'])).stdout,
    ) as { info: { status: string } };
    expect(release.info.status).toBe('failed');
    const fixed = await deploy('up', ...common, ...elsewhere('unschedulable'), '--image', image);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
  });

  it('with the real Bitnami charts too: Kafka and PostgreSQL waited for, their volumes bound', { timeout: 300_000 }, async () => {
    await provideVolumes('bitnami-volume', 3, '8Gi');
    const full = await chartCopy({ subcharts: subchartsDir() });
    const result = await deploy(
      'up',
      '--chart',
      full,
      '--output',
      'json',
      '--poll-seconds',
      '0.5',
      ...elsewhere('bitnami'),
      '--image',
      image,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const checks = (
      only(result, 'result')['verification'] as { components: { component: string; checks: { name: string; detail: string }[] }[] }
    ).components.flatMap((component) => component.checks.map((check) => `${component.component} ${check.name}: ${check.detail}`));
    expect(checks).toEqual(
      expect.arrayContaining([
        'kafka workloads: ZooKeeper, Kafka broker ready',
        'kafka volumes: 2 bound',
        'postgresql workloads: PostgreSQL ready',
        'postgresql volumes: 1 bound',
      ]),
    );
  });

  it('the capacity check names the largest requests before anything is installed', async () => {
    const result = await deploy(
      'up',
      ...common,
      ...elsewhere('capacity'),
      '--image',
      image,
      '--set',
      'hooks.resources.requests.cpu=64',
      '--set',
      'hooks.resources.limits.cpu=64',
    );
    expect(result.code).toBe(1);
    const error = errorOf(result);
    expect(error.message).toBe('the cluster has too little free CPU or memory for the release');
    expect(error.details[0]).toMatch(
      /^the release requests 64050m CPU, 160Mi memory; the cluster has \d+m? CPU, [\d.]+Gi memory free on 2 schedulable node\(s\)$/,
    );
    // Hooks and checks run one at a time: the largest counts, the Dapr check with its sidecar (50m, 64Mi).
    expect(error.details[1]).toBe('Dapr check: 64050m CPU, 160Mi memory (hooks.resources)');
  });

  it("an image that cannot be pulled: which image, the registry's error, and the values that choose it", { timeout: 120_000 }, async () => {
    const result = await deploy('up', ...common, ...elsewhere('image-pull'), '--image', 'registry.invalid/learnflow/hooks:0.2.0');
    expect(result.code).toBe(1);
    const error = errorOf(result);
    expect(error.details[0]).toMatch(
      new RegExp(
        String.raw`^credentials hook \(Pod learnflow-credentials-hook-\w+\) cannot pull image registry\.invalid/learnflow/hooks:0\.2\.0: ` +
          String.raw`failed to pull and unpack image "registry\.invalid/learnflow/hooks:0\.2\.0"`,
      ),
    );
    expect(error.details[1]).toContain('set hooks.image (registry, repository, tag) to an image the cluster can pull');
    // Reported while waiting, too.
    expect(result.events.some((entry) => entry.event === 'problem' && entry['problem'] === 'image-pull')).toBe(true);
  });

  it('pull Secrets the kubelet would not use, missing or not a registry login: named before anything is installed', async () => {
    const namespace = 'pull-secrets';
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-token', namespace }, stringData: { token: 'x' } });
    const result = await deploy(
      'up',
      ...common,
      ...elsewhere(namespace),
      '--image',
      'registry.example.com/platform/learnflow-hooks:0.2.0',
      '--set',
      'hooks.imagePullSecrets={registry-token,registry-login}',
    );
    expect(result.code).toBe(1);
    const error = errorOf(result);
    expect(error.message).toBe(`the image pull Secrets the values name cannot be used in namespace ${namespace}`);
    expect(error.details).toEqual([
      'Secret registry-login does not exist',
      'Secret registry-token is of type Opaque, not kubernetes.io/dockerconfigjson: the kubelet ignores it',
    ]);
    expect(error.fix).toContain(`kubectl create secret docker-registry NAME --docker-server=REGISTRY`);
    expect((await cluster.helm(['status', 'learnflow', '--namespace', namespace])).stderr).toContain('not found');
  });

  it('a hook that fails: which hook, its exit code and its last log lines', { timeout: 120_000 }, async () => {
    const values = join(tmpdir(), `failing-hook-${process.pid}.yaml`);
    await writeFile(values, 'hooks:\n  backoffLimit: 0\n  podAnnotations:\n    learnflow.test/simulated-exit-code: "1"\n');
    const result = await deploy('up', ...common, ...elsewhere('hook-fails'), '--image', image, '--values', values);
    expect(result.code).toBe(1);
    const error = errorOf(result);
    expect(error.message).toMatch(/^helm upgrade --install failed: .*learnflow-credentials-hook/);
    expect(error.details[0]).toMatch(/^credentials hook \(Job learnflow-credentials-hook\) failed: BackoffLimitExceeded/);
    expect(error.details).toContain(
      '  | exit code 1: {"level":"error","msg":"simulated failure (test control plane)","hint":"exit code 1"}',
    );
  });

  it('a tool that is not installed', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'only-kubectl-'));
    await symlink((await runOk('which', ['kubectl'])).stdout.trim(), join(bin, 'kubectl'));
    const result = await runDeploy(['up', '--output', 'json', '--image', image], controlPlane.kubeconfig, { PATH: bin });
    expect(result.code).toBe(1);
    expect(errorOf(result)).toMatchObject({
      message: 'helm is not installed (not found on PATH)',
      fix: expect.stringContaining('docs/deployment.md#prerequisites'),
    });
  });

  it('an --image that is not an image reference, refused before any tool runs: no "," or "=" reaches helm --set-string', async () => {
    // No tool on PATH: had anything run kubectl or helm, the error would say it is not installed.
    const bin = await mkdtemp(join(tmpdir(), 'no-tools-'));
    const smuggling = 'registry.example.com,hooks.podAnnotations.x=y/learnflow/hooks:1';
    const result = await runDeploy(['up', '--output', 'json', '--image', smuggling], controlPlane.kubeconfig, { PATH: bin });
    expect(result.code).toBe(2);
    expect(result.events.map((entry) => entry.event)).toEqual(['error']);
    expect(errorOf(result)).toMatchObject({
      message:
        `--image "${smuggling}" is not an image reference: ` +
        'its registry "registry.example.com,hooks.podAnnotations.x=y" is not a host name or address with an optional :port',
      fix: expect.stringContaining('e.g. --image registry.example.com:5000/learnflow/learnflow-hooks:0.2.0'),
    });
  });

  it('a cluster that cannot be reached, or no context', async () => {
    const closed = join(tmpdir(), `unreachable-${process.pid}.kubeconfig`);
    await writeFile(
      closed,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: ' +
        'u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const refused = await runDeploy(['up', '--output', 'json', '--image', image], closed);
    expect(refused.code).toBe(1);
    expect(only(refused, 'error')).toMatchObject({
      message: 'cluster unreachable: the Kubernetes API server cannot be reached',
      fix: expect.stringContaining('start the cluster'),
    });

    const none = await deploy('status', '--json', '--kube-context', 'no-such-context');
    expect(none.code).toBe(1);
    expect(only(none, 'error')).toMatchObject({ message: 'cluster unreachable: no Kubernetes context is selected' });
  });
});
