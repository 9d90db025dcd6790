import { componentNames, partOfObject, type ComponentName } from './components.js';
import type { Job, K8sObject, Workload } from '../cluster/objects.js';

/** What must be ready for a component to count as deployed: its workloads and its install hooks. */
export interface Expected {
  component: ComponentName;
  kind: string;
  name: string;
  title: string;
  /** As the release declares it; a workload scaled down by hand is not ready. */
  replicas: number;
}

const waitedKinds = new Set(['Deployment', 'StatefulSet', 'Job']);

/** From the rendered release: its workloads and its install/upgrade hook Jobs (not the tests). */
export function expectedObjects(objects: readonly K8sObject[]): Expected[] {
  return objects.flatMap((object): Expected[] => {
    if (!waitedKinds.has(object.kind)) return [];
    const hook = object.metadata.annotations?.['helm.sh/hook'] ?? '';
    if (object.kind === 'Job' && !/post-(install|upgrade)/.test(hook)) return [];
    const part = partOfObject(object);
    const replicas = object.kind === 'Job' ? 1 : ((object as Workload).spec.replicas ?? 1);
    if (!part) return [];
    return part.components.map((component) => ({ component, kind: object.kind, name: object.metadata.name, title: part.title, replicas }));
  });
}

export interface Observed {
  workloads: Workload[];
  jobs: Job[];
}

/**
 * Ready: a Job of this run succeeded (one whose uid is in `earlier` is an earlier run's, which Helm
 * has yet to replace); a workload has rolled out the declared replicas, all ready.
 */
function isReady(expected: Expected, observed: Observed, earlier: ReadonlySet<string>): boolean {
  if (expected.kind === 'Job') {
    const job = observed.jobs.find((candidate) => candidate.metadata.name === expected.name && !earlier.has(candidate.metadata.uid ?? ''));
    return (job?.status?.succeeded ?? 0) > 0;
  }
  const workload = observed.workloads.find((candidate) => candidate.kind === expected.kind && candidate.metadata.name === expected.name);
  const status = workload?.status ?? {};
  return (
    (status.observedGeneration ?? 0) >= (workload?.metadata.generation ?? 1) &&
    (status.updatedReplicas ?? 0) >= expected.replicas &&
    (status.readyReplicas ?? 0) >= expected.replicas
  );
}

/** For each component, what it still waits for (empty: ready). */
export function pendingByComponent(
  expected: readonly Expected[],
  observed: Observed,
  earlier: ReadonlySet<string> = new Set(),
): Record<ComponentName, string[]> {
  const pending = Object.fromEntries(componentNames.map((name) => [name, [] as string[]])) as Record<ComponentName, string[]>;
  for (const item of expected) if (!isReady(item, observed, earlier)) pending[item.component].push(item.title);
  return pending;
}
