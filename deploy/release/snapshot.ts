import type { Kubectl } from '../tools/kubectl.js';
import type { Event, Job, K8sObject, Pod, Workload } from '../cluster/objects.js';

/** What the namespace holds now: the objects the deploy commands wait on and diagnose. */
export interface Snapshot {
  pods: Pod[];
  jobs: Job[];
  workloads: Workload[];
  /** The Deployments' ReplicaSets, which create their Pods. */
  replicaSets: Workload[];
  events: Event[];
}

export async function observe(kubectl: Kubectl): Promise<Snapshot> {
  const [objects, events] = await Promise.all([
    kubectl.list<K8sObject>('pods,jobs,deployments,statefulsets,replicasets'),
    kubectl.list<Event>('events'),
  ]);
  return {
    pods: objects.filter((object): object is Pod => object.kind === 'Pod'),
    jobs: objects.filter((object): object is Job => object.kind === 'Job'),
    workloads: objects.filter((object): object is Workload => object.kind === 'Deployment' || object.kind === 'StatefulSet'),
    replicaSets: objects.filter((object): object is Workload => object.kind === 'ReplicaSet'),
    events: events.filter((event) => event.type === 'Warning'),
  };
}

/** The Pods a Job created (the Job controller labels them with its name). */
export function podsOfJob(job: Job | string, pods: readonly Pod[]): Pod[] {
  const name = typeof job === 'string' ? job : job.metadata.name;
  return pods.filter((pod) => pod.metadata.labels?.['job-name'] === name);
}

/**
 * The Pods still in play: none being deleted, and of the Pods Jobs made only those of `jobs`. An
 * earlier run's hook Job goes first (Helm deletes it before making the new one) and its Pods
 * after it, when the garbage collector gets to them: on a loaded cluster, seconds later.
 */
export function podsInPlay(pods: readonly Pod[], jobs: readonly Job[]): Pod[] {
  const current = new Set(jobs.map((job) => job.metadata.uid));
  return pods.filter(
    (pod) =>
      !pod.metadata.deletionTimestamp &&
      (pod.metadata.ownerReferences ?? []).every((owner) => owner.kind !== 'Job' || current.has(owner.uid)),
  );
}
