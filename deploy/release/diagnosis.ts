import { partOf, type Part } from './components.js';
import type { ContainerStatus, Event, Job, Pod, Workload } from '../cluster/objects.js';
import { podsOfJob, type Snapshot } from './snapshot.js';

/** Something that keeps the release from becoming ready, explained. */
export interface Diagnosis {
  /** Stable identity, so that the same problem seen on every poll is reported once. */
  key: string;
  problem: 'unschedulable' | 'image-pull' | 'crash-loop' | 'hook-failed' | 'pods-refused';
  message: string;
  fix: string;
  details: string[];
}

const pullFailures = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

function describe(object: Pod | Job | Workload): { part: Part | undefined; what: string } {
  const part = partOf(object);
  const name = `${object.kind} ${object.metadata.name}`;
  return { part, what: part ? `${part.title} (${name})` : name };
}

/** The scheduler's reason, and the values that change the outcome. */
export function unschedulable(pod: Pod): Diagnosis | undefined {
  const condition = pod.status?.conditions?.find(
    (entry) => entry.type === 'PodScheduled' && entry.status === 'False' && entry.reason === 'Unschedulable',
  );
  if (!condition) return undefined;
  const { part, what } = describe(pod);
  const reason = condition.message ?? 'no reason given';
  const fixes: string[] = [];
  if (/Insufficient (cpu|memory)/.test(reason)) {
    fixes.push(
      `lower its requests with ${part?.resourcesValue ?? 'the resources value of its chart'}, or add nodes or capacity to the cluster`,
    );
  }
  if (/node affinity|node\(s\) didn't match|node selector/i.test(reason))
    fixes.push('its nodeSelector or affinity values match no node: change them or label a node to match');
  if (/taint/i.test(reason))
    fixes.push('every node has a taint the Pod does not tolerate: add a toleration to its values or use untainted nodes');
  if (/PersistentVolumeClaim/i.test(reason))
    fixes.push(
      'its volume cannot be provisioned: check that the StorageClass exists and can ' +
        'provision (kubectl get storageclass, kubectl describe pvc)',
    );
  return {
    key: `unschedulable/${pod.metadata.name}`,
    problem: 'unschedulable',
    message: `${what} cannot be scheduled: ${reason}`,
    fix: fixes.join('; ') || "read the scheduler's reason above (kubectl describe pod)",
    details: [],
  };
}

/** Which image cannot be pulled, the registry's error, and the values that choose the image. */
export function imagePull(pod: Pod, events: readonly Event[]): Diagnosis | undefined {
  const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const failing = statuses.find((status) => pullFailures.has(status.state?.waiting?.reason ?? ''));
  if (!failing) return undefined;
  const { part, what } = describe(pod);
  // ImagePullBackOff only says "Back-off pulling image"; the registry's error is in the kubelet's event.
  const registryError =
    events
      .filter(
        (event) =>
          event.involvedObject.kind === 'Pod' &&
          event.involvedObject.name === pod.metadata.name &&
          event.reason === 'Failed' &&
          event.message.includes(failing.image),
      )
      .map((event) => event.message)
      .at(-1) ??
    failing.state?.waiting?.message ??
    failing.state?.waiting?.reason ??
    '';
  return {
    key: `image-pull/${pod.metadata.name}/${failing.image}`,
    problem: 'image-pull',
    message: `${what} cannot pull image ${failing.image}: ${registryError}`,
    fix: refusedCredentials.test(registryError)
      ? pullCredentialsFix(pod, failing.image)
      : `set ${part?.imageValue ?? 'the image values of its chart'} to an image the cluster can pull, or ` +
        `global.imageRegistry (dapr.global.registry for Dapr's images) to a mirror that holds every image of the ` +
        `release (learnflow-infra images lists them; credentials go in global.imagePullSecrets), or fix the nodes' access to the registry`,
    details: [],
  };
}

// How containerd and the registries word a pull the registry refused for its credentials.
const refusedCredentials = /401 Unauthorized|403 Forbidden|unauthorized|authorization failed|no basic auth credentials|denied/i;

/** The pull Secrets the Pod used, or that it had none, and how each must match the registry. */
function pullCredentialsFix(pod: Pod, image: string): string {
  const registry = image.includes('/') ? image.slice(0, image.indexOf('/')) : 'docker.io';
  const namespace = pod.metadata.namespace ?? '';
  const secrets = (pod.spec.imagePullSecrets ?? []).map((secret) => secret.name);
  if (secrets.length === 0) {
    return (
      `the registry ${registry} wants credentials and the Pod has no image pull Secret: create one ` +
      `(kubectl create secret docker-registry NAME --docker-server=${registry} --docker-username=... --docker-password=... ` +
      `--namespace ${namespace}) and set hooks.imagePullSecrets (the hooks image) or global.imagePullSecrets (every image)`
    );
  }
  return (
    `the registry ${registry} refused the credentials of Secret(s) ${secrets.join(', ')} (hooks.imagePullSecrets and ` +
    `global.imagePullSecrets): check in namespace ${namespace} that each exists, that its server is exactly ${registry}, ` +
    `and that its user and password log in (kubectl get secret ${secrets[0]} --namespace ${namespace} ` +
    "-o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d)"
  );
}

function crashLoop(pod: Pod): Diagnosis | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const failing = statuses.find((status) => status.state?.waiting?.reason === 'CrashLoopBackOff');
  if (!failing) return undefined;
  const { what } = describe(pod);
  return {
    key: `crash-loop/${pod.metadata.name}/${failing.name}`,
    problem: 'crash-loop',
    message: `${what}: container ${failing.name} keeps exiting (CrashLoopBackOff)`,
    fix: `read its log: kubectl logs ${pod.metadata.name} -c ${failing.name} --previous --namespace ${pod.metadata.namespace ?? ''}`,
    details: [],
  };
}

export function failedJob(job: Job, pods: readonly Pod[], logs: readonly string[]): Diagnosis | undefined {
  const condition = job.status?.conditions?.find((entry) => entry.type === 'Failed' && entry.status === 'True');
  if (!condition) return undefined;
  const { what } = describe(job);
  // The kubelet keeps a failed container's last log lines as its termination message (FallbackToLogsOnError).
  const exits = pods
    .flatMap((pod) => pod.status?.containerStatuses ?? [])
    .map((status) => status.state?.terminated)
    .filter((terminated) => terminated && terminated.exitCode !== 0)
    .map((terminated) => `exit code ${terminated!.exitCode}${terminated!.message ? `: ${terminated!.message.trim()}` : ''}`);
  return {
    key: `hook-failed/${job.metadata.name}/${job.metadata.uid ?? ''}`,
    problem: 'hook-failed',
    message: `${what} failed: ${[condition.reason, condition.message].filter(Boolean).join(': ')}`,
    fix:
      `the hook's own message above says what to fix; then run up again (every hook is safe to re-run). Full ` +
      `log: kubectl logs job/${job.metadata.name} --namespace ${job.metadata.namespace ?? ''}`,
    details: [...new Set([...exits, ...logs])],
  };
}

/**
 * A controller whose Pods the API server refuses (a Pod Security Standard the namespace enforces,
 * a quota): no Pod exists to diagnose, only the controller's FailedCreate event says why.
 */
export function podsRefused(workload: Workload, events: readonly Event[]): Diagnosis | undefined {
  const refusal = events
    .filter(
      (event) =>
        event.reason === 'FailedCreate' &&
        event.involvedObject.kind === workload.kind &&
        event.involvedObject.name === workload.metadata.name,
    )
    .at(-1);
  if (!refusal) return undefined;
  const { part, what } = describe(workload);
  const podSecurity = /violates PodSecurity "([^"]+)"/.exec(refusal.message);
  const fix = podSecurity
    ? `the namespace enforces the Pod Security Standard "${podSecurity[1]}", which these Pods do not meet: set the ` +
      `security context values of their chart ` +
      `(${part?.securityValue ?? 'its podSecurityContext and containerSecurityContext'}), ` +
      'or run the release in a namespace whose pod-security.kubernetes.io/enforce label allows them'
    : /exceeded quota/i.test(refusal.message)
      ? `the namespace's ResourceQuota is used up: raise it, or lower ${part?.resourcesValue ?? 'the requests of its chart'}`
      : `read the controller's reason (kubectl describe ${workload.kind.toLowerCase()} ${workload.metadata.name})`;
  return {
    key: `pods-refused/${workload.kind}/${workload.metadata.name}`,
    problem: 'pods-refused',
    message: `${what} cannot create its Pods: ${refusal.message}`,
    fix,
    details: [],
  };
}

/** Every problem in the Pods seen now; failed Jobs are diagnosed apart, since their logs must be fetched. */
export function diagnosePods(pods: readonly Pod[], events: readonly Event[]): Diagnosis[] {
  return pods.flatMap((pod) =>
    [unschedulable(pod), imagePull(pod, events), crashLoop(pod)].filter((found): found is Diagnosis => Boolean(found)),
  );
}

/** Every problem in a snapshot; `logsOf` gives a failed Job's last log lines. */
export async function diagnose(snapshot: Snapshot, logsOf: (job: Job) => Promise<string[]>): Promise<Diagnosis[]> {
  const failed = await Promise.all(
    snapshot.jobs.map(async (job) => failedJob(job, podsOfJob(job, snapshot.pods), job.status?.failed ? await logsOf(job) : [])),
  );
  // A Deployment's Pods are created by its ReplicaSets, a StatefulSet's and a Job's by themselves.
  const creators = [...snapshot.workloads.filter((workload) => workload.kind === 'StatefulSet'), ...snapshot.replicaSets, ...snapshot.jobs];
  const refused = creators.map((creator) => podsRefused(creator as Workload, snapshot.events));
  return [
    ...diagnosePods(snapshot.pods, snapshot.events),
    ...[...failed, ...refused].filter((found): found is Diagnosis => Boolean(found)),
  ];
}
