import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { daprChartsDir, type K8sObject } from './chart.js';
import { controlplaneScript } from './paths.js';
import { freePorts } from './ports.js';
import { run, runOk, type Finished } from './process.js';
import { waitUntil } from './wait.js';

/**
 * A real Kubernetes control plane started by scripts/harness/controlplane.sh (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, and KWOK for the node).
 */
export class ControlPlane {
  private constructor(
    readonly name: string,
    readonly kubeconfig: string,
  ) {}

  static async start(label: string): Promise<ControlPlane> {
    const name = `${label}-${process.pid}`;
    const port = await freePorts(3);
    const { stdout } = await runOk('bash', [controlplaneScript, 'start', name, String(port)]);
    return new ControlPlane(name, stdout.trim().split('\n').at(-1)!);
  }

  async delete(): Promise<void> {
    await runOk('bash', [controlplaneScript, 'delete', this.name]);
  }
}

/** A client of the control plane whose kubeconfig the suite provides. */
export class Cluster {
  constructor(readonly kubeconfig: string) {}

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig };
  }

  kubectl(args: readonly string[], input?: string): Promise<Finished> {
    return run('kubectl', args, { env: this.env(), ...(input === undefined ? {} : { input }) });
  }

  helm(args: readonly string[]): Promise<Finished> {
    return run('helm', args, { env: this.env() });
  }

  async kubectlJson<T>(args: readonly string[]): Promise<T> {
    const result = await this.kubectl([...args, '-o', 'json']);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /**
   * Sends rendered objects to the API server: what Pods depend on (ServiceAccounts, ConfigMaps,
   * Services, RBAC...) is created for real, then the workloads and admission webhooks go as a
   * server-side dry run, which still runs validation and admission (PodSecurity, ServiceAccount)
   * on them. The output is both steps'.
   */
  async serverDryRun(objects: readonly K8sObject[], namespace: string): Promise<Finished> {
    const dryRunOnly = (object: K8sObject) => workloadKinds.has(object.kind) || object.kind.endsWith('WebhookConfiguration');
    const toYaml = (selected: readonly K8sObject[]) => selected.map((object) => JSON.stringify(object)).join('\n---\n');
    const created = await this.kubectl(
      ['apply', '--namespace', namespace, '-f', '-'],
      toYaml(objects.filter((object) => !dryRunOnly(object))),
    );
    if (created.code !== 0) return created;
    // Pod Security is enforced on Pods only (on workloads it just warns): each workload's Pod
    // template goes as a Pod too, as its controller would create it.
    const templatePods = objects
      .filter((object) => object.kind !== 'Pod' && workloadKinds.has(object.kind))
      .map((object) => podOf(object, namespace));
    const dryRun = await this.kubectl(
      ['apply', '--dry-run=server', '--namespace', namespace, '-f', '-'],
      toYaml([...objects.filter(dryRunOnly), ...templatePods]),
    );
    return { code: dryRun.code, stdout: created.stdout + dryRun.stdout, stderr: created.stderr + dryRun.stderr };
  }

  /** A new namespace for one test, optionally enforcing a Pod Security Standard. */
  async namespace(prefix: string, podSecurity?: 'restricted' | 'baseline'): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    const labels = podSecurity
      ? { 'pod-security.kubernetes.io/enforce': podSecurity, 'pod-security.kubernetes.io/enforce-version': 'latest' }
      : {};
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    const result = await this.kubectl(['apply', '-f', '-'], manifest);
    if (result.code !== 0) throw new Error(`creating namespace ${name}: ${result.stderr}`);
    return name;
  }
}

const workloadKinds = new Set(['Pod', 'Job', 'CronJob', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * The Pod a workload's controller creates from its template (a CronJob's through its Job's), with
 * a StatefulSet's claim templates as the volumes the controller adds.
 */
function podOf(workload: K8sObject, namespace: string): K8sObject {
  type Template = { metadata?: { labels?: Record<string, string> }; spec: { volumes?: object[] } };
  const spec = workload['spec'] as {
    template?: Template;
    jobTemplate?: { spec: { template: Template } };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
  const template = spec.template ?? spec.jobTemplate!.spec.template;
  const name = workload.metadata.name;
  const claims = (spec.volumeClaimTemplates ?? []).map((claim) => ({
    name: claim.metadata.name,
    persistentVolumeClaim: { claimName: `${claim.metadata.name}-${name}-0` },
  }));
  const podSpec = { ...template.spec, volumes: [...(template.spec.volumes ?? []), ...claims] };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-template`, namespace, labels: template.metadata?.labels ?? {} },
    spec: podSpec,
  };
}

/** Dapr's CRDs from the dapr chart, established, as Helm installs a chart's crds/ before the rest. */
export async function installDaprCrds(kubeconfig: string): Promise<void> {
  const cluster = new Cluster(kubeconfig);
  const applied = await cluster.kubectl(['apply', '--server-side', '-f', join(daprChartsDir(), 'dapr', 'crds')]);
  if (applied.code !== 0) throw new Error(`installing Dapr's CRDs: ${applied.stderr}`);
  await crdsEstablished(cluster, ['components.dapr.io', 'configurations.dapr.io', 'subscriptions.dapr.io']);
}

/**
 * Waits until CRDs just applied are Established. Not `kubectl wait`: it fails outright on a CRD
 * whose conditions the API server has not written yet.
 */
export async function crdsEstablished(cluster: Cluster, names: readonly string[]): Promise<void> {
  type Crd = { status?: { conditions?: { type: string; status: string }[] | null } };
  await waitUntil(`CRDs ${names.join(', ')} established`, async () => {
    for (const name of names) {
      const crd = await cluster.kubectlJson<Crd>(['get', 'crd', name]);
      if (!crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True')) return false;
    }
    return true;
  });
}
