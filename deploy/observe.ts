import { diagnosePods, failedJob, type Diagnosis } from './diagnose.js';
import type { Kubectl } from './kubectl.js';
import { selects, type Event, type Job, type K8sObject, type Pod, type Workload } from './objects.js';

/** What the namespace holds now: the objects the deploy commands wait on and diagnose. */
export interface Snapshot {
  pods: Pod[];
  jobs: Job[];
  workloads: Workload[];
  events: Event[];
}

export async function observe(kubectl: Kubectl): Promise<Snapshot> {
  const [objects, events] = await Promise.all([kubectl.list<K8sObject>('pods,jobs,deployments,statefulsets'), kubectl.list<Event>('events')]);
  return {
    pods: objects.filter((object): object is Pod => object.kind === 'Pod'),
    jobs: objects.filter((object): object is Job => object.kind === 'Job'),
    workloads: objects.filter((object): object is Workload => object.kind === 'Deployment' || object.kind === 'StatefulSet'),
    events: events.filter((event) => event.type === 'Warning'),
  };
}

/** The Pods a Job created (the Job controller labels them with its name). */
export function podsOfJob(job: Job, pods: readonly Pod[]): Pod[] {
  return pods.filter((pod) => selects({ 'job-name': job.metadata.name }, pod.metadata.labels ?? {}));
}

/** Every problem in the namespace now, failed Jobs with their logs. */
export async function diagnose(kubectl: Kubectl, snapshot: Snapshot, jobNames: ReadonlySet<string>): Promise<Diagnosis[]> {
  const failed = await Promise.all(
    snapshot.jobs
      .filter((job) => jobNames.has(job.metadata.name))
      .map(async (job) => failedJob(job, podsOfJob(job, snapshot.pods), job.status?.failed ? await kubectl.jobLogs(job.metadata.name) : [])),
  );
  return [...diagnosePods(snapshot.pods, snapshot.events), ...failed.filter((found): found is Diagnosis => Boolean(found))];
}
