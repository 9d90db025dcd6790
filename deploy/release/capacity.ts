import { partOf } from './components.js';
import type { PodTemplate } from '../cluster/manifest.js';
import type { Container, Node, Pod, PodSpec, ResourceList } from '../cluster/objects.js';
import { addResources, formatResources, noResources, parseQuantity, type Resources } from '../cluster/quantity.js';

function requestsOf(container: Container): Resources {
  const requests: ResourceList = container.resources?.requests ?? {};
  return { cpu: parseQuantity(requests.cpu ?? 0), memory: parseQuantity(requests.memory ?? 0) };
}

/** What the scheduler reserves for a Pod: its containers and native sidecars, or its largest init container if that is more. */
export function podRequests(spec: PodSpec): Resources {
  const sidecars = (spec.initContainers ?? []).filter((container) => container.restartPolicy === 'Always');
  const running = [...spec.containers, ...sidecars].map(requestsOf).reduce((sum, next) => addResources(sum, next), noResources);
  return (spec.initContainers ?? [])
    .filter((container) => container.restartPolicy !== 'Always')
    .map(requestsOf)
    .reduce((most, next) => ({ cpu: Math.max(most.cpu, next.cpu), memory: Math.max(most.memory, next.memory) }), running);
}

/** The Dapr sidecar the injector adds to a Pod template annotated dapr.io/enabled, with the requests its annotations give. */
function injectedSidecar(annotations: Record<string, string>): Resources {
  if (annotations['dapr.io/enabled'] !== 'true') return noResources;
  return {
    cpu: parseQuantity(annotations['dapr.io/sidecar-cpu-request'] ?? 0),
    memory: parseQuantity(annotations['dapr.io/sidecar-memory-request'] ?? 0),
  };
}

/** A Pod template's requests once running: its own, and an injected sidecar's. */
function templateRequests(template: PodTemplate): Resources {
  return addResources(podRequests(template.spec), injectedSidecar(template.annotations));
}

export interface ReleaseRequests {
  total: Resources;
  /** The largest contributors, for the message that says which values to shrink. */
  contributors: { title: string; value: string; requests: Resources }[];
}

/** The release's steady-state requests, plus its largest hook or test Pod (they run one at a time). */
export function releaseRequests(templates: readonly PodTemplate[]): ReleaseRequests {
  const steady = templates.filter((template) => !template.hook);
  const largestHook = templates
    .filter((template) => template.hook)
    .map((template) => ({ template, requests: templateRequests(template) }))
    .sort((a, b) => b.requests.cpu - a.requests.cpu || b.requests.memory - a.requests.memory)[0];
  const counted = [
    ...steady.map((template) => ({ template, requests: addResources(noResources, templateRequests(template), template.replicas) })),
    ...(largestHook ? [largestHook] : []),
  ];
  return {
    total: counted.reduce((sum, next) => addResources(sum, next.requests), noResources),
    contributors: counted
      .sort((a, b) => b.requests.memory - a.requests.memory)
      .map(({ template, requests }) => {
        const part = partOf({ metadata: { name: template.owner.metadata.name, labels: template.labels } });
        return {
          title: part?.title ?? `${template.owner.kind} ${template.owner.metadata.name}`,
          value: part?.resourcesValue ?? 'its chart values',
          requests,
        };
      }),
  };
}

function schedulable(node: Node): boolean {
  const blocking = (node.spec?.taints ?? []).some((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute');
  return !node.spec?.unschedulable && !blocking;
}

export interface FreeCapacity extends Resources {
  nodes: number;
  schedulableNodes: number;
}

/**
 * Allocatable CPU and memory of the nodes Pods can land on, less what the Pods already there
 * request. Pods for which `replaced` is true (the release's own, on a re-run) do not count.
 */
export function freeCapacity(nodes: readonly Node[], pods: readonly Pod[], replaced: (pod: Pod) => boolean): FreeCapacity {
  const usable = nodes.filter(schedulable);
  const names = new Set(usable.map((node) => node.metadata.name));
  const allocatable = usable
    .map((node) => ({
      cpu: parseQuantity(node.status?.allocatable?.cpu ?? 0),
      memory: parseQuantity(node.status?.allocatable?.memory ?? 0),
    }))
    .reduce((sum, next) => addResources(sum, next), noResources);
  const used = pods
    .filter((pod) => pod.spec.nodeName && names.has(pod.spec.nodeName))
    .filter((pod) => !['Succeeded', 'Failed'].includes(pod.status?.phase ?? '') && !replaced(pod))
    .map((pod) => podRequests(pod.spec))
    .reduce((sum, next) => addResources(sum, next), noResources);
  return { ...addResources(allocatable, used, -1), nodes: nodes.length, schedulableNodes: usable.length };
}

export function describeFree(free: FreeCapacity): string {
  const clamped = { cpu: Math.max(free.cpu, 0), memory: Math.max(free.memory, 0) };
  const unusable = free.nodes - free.schedulableNodes;
  return (
    `${formatResources(clamped)} free on ${free.schedulableNodes} schedulable ` +
    `node(s)${unusable > 0 ? ` (${unusable} more cordoned or tainted NoSchedule)` : ''}`
  );
}

/** Why the release does not fit, naming the values that shrink it; undefined when it fits. */
export function capacityShortfall(needed: ReleaseRequests, free: FreeCapacity): string[] | undefined {
  const short = needed.total.cpu > free.cpu || needed.total.memory > free.memory;
  if (!short) return undefined;
  return [
    `the release requests ${formatResources(needed.total)}; the cluster has ${describeFree(free)}`,
    ...needed.contributors.slice(0, 5).map((item) => `${item.title}: ${formatResources(item.requests)} (${item.value})`),
  ];
}
