import type { K8sObject } from './chart.js';

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
interface IngressRule {
  ports?: { port?: number | string }[];
  from?: Peer[];
}
interface EgressRule {
  ports?: { port?: number | string }[];
  to?: Peer[];
}

/** Whether a label selector selects these labels, as Kubernetes evaluates it (an empty selector selects all). */
export function selects(selector: Selector, labels: Labels): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabel &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return key in labels && values.includes(labels[key]!);
        case 'NotIn':
          return !(key in labels) || !values.includes(labels[key]!);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
      }
    })
  );
}

interface Rule {
  ports: { port?: number | string }[] | undefined;
  peers: Peer[] | undefined;
}

/**
 * Whether one of a policy's rules (ingress or egress, in that direction) lets `port` through with
 * a Pod of `labels` in `namespace` (undefined: the policy's own) on the other side: a rule without
 * peers matches every Pod, one without `ports` every port. Peers this cannot judge from labels
 * alone (IP blocks, named ports) are refused with an error rather than guessed.
 */
function anyRuleLets(policy: K8sObject, rules: readonly Rule[], labels: Labels, port: number, namespace?: string): boolean {
  const name = `NetworkPolicy ${policy.metadata.name}`;
  const sameNamespace = namespace === undefined || namespace === policy.metadata.namespace;
  return rules.some((rule) => {
    const onPort =
      rule.ports === undefined ||
      rule.ports.some((entry) => {
        if (typeof entry.port === 'string') throw new Error(`${name} names port ${entry.port}: give this check numbers`);
        return entry.port === undefined || entry.port === port;
      });
    if (!onPort) return false;
    if (rule.peers === undefined || rule.peers.length === 0) return true;
    return rule.peers.some((peer) => {
      if (peer.ipBlock !== undefined) throw new Error(`${name} has an IP peer (${JSON.stringify(peer)}), which labels cannot judge`);
      const inNamespace =
        peer.namespaceSelector === undefined
          ? sameNamespace
          : selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': namespace ?? policy.metadata.namespace ?? '' });
      return inNamespace && (peer.podSelector === undefined || selects(peer.podSelector, labels));
    });
  });
}

/**
 * Whether NetworkPolicy `policy` lets a Pod with `labels` connect to `port` of the Pods it
 * selects, the Pod in the policy's namespace or in `namespace` (known by its
 * kubernetes.io/metadata.name label, which Kubernetes sets on every namespace).
 */
export function admits(policy: K8sObject, labels: Labels, port: number, namespace?: string): boolean {
  const { ingress = [], policyTypes = [] } = policy['spec'] as { ingress?: IngressRule[]; policyTypes?: string[] };
  if (!policyTypes.includes('Ingress') && ingress.length === 0) return true;
  return anyRuleLets(
    policy,
    ingress.map((rule) => ({ ports: rule.ports, peers: rule.from })),
    labels,
    port,
    namespace,
  );
}

/**
 * Whether NetworkPolicy `policy` lets the Pods it selects connect to `port` of a Pod with
 * `labels`, in the policy's namespace or in `namespace`.
 */
export function letsOut(policy: K8sObject, labels: Labels, port: number, namespace?: string): boolean {
  const { egress = [], policyTypes } = policy['spec'] as { egress?: EgressRule[]; policyTypes?: string[] };
  // Without policyTypes, Kubernetes implies Egress from egress rules.
  if (!(policyTypes ?? (egress.length > 0 ? ['Egress'] : [])).includes('Egress')) return true;
  return anyRuleLets(
    policy,
    egress.map((rule) => ({ ports: rule.ports, peers: rule.to })),
    labels,
    port,
    namespace,
  );
}

/** The labels of the Pods a workload (Job, StatefulSet, Deployment) or bare Pod makes. */
export function podLabels(object: K8sObject): Labels {
  if (object.kind === 'Pod') return object.metadata.labels ?? {};
  return (object['spec'] as { template: { metadata: { labels?: Labels } } }).template.metadata.labels ?? {};
}
