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

/**
 * Whether NetworkPolicy `policy` lets a Pod of its own namespace with `labels` connect to `port`
 * of the Pods it selects: a rule without `from` admits every Pod, one without `ports` every port.
 * Peers this cannot judge from a Pod's labels alone (namespace selectors, IP blocks, named ports)
 * are refused with an error rather than guessed.
 */
export function admits(policy: K8sObject, labels: Labels, port: number): boolean {
  const { ingress = [], policyTypes = [] } = policy['spec'] as { ingress?: IngressRule[]; policyTypes?: string[] };
  const name = `NetworkPolicy ${policy.metadata.name}`;
  if (!policyTypes.includes('Ingress') && ingress.length === 0) return true;
  return ingress.some((rule) => {
    const onPort =
      rule.ports === undefined ||
      rule.ports.some((entry) => {
        if (typeof entry.port === 'string') throw new Error(`${name} names port ${entry.port}: give this check numbers`);
        return entry.port === undefined || entry.port === port;
      });
    if (!onPort) return false;
    if (rule.from === undefined || rule.from.length === 0) return true;
    return rule.from.some((peer) => {
      if (peer.namespaceSelector !== undefined || peer.ipBlock !== undefined) {
        throw new Error(`${name} has a namespace or IP peer (${JSON.stringify(peer)}), which Pod labels alone cannot judge`);
      }
      return peer.podSelector !== undefined && selects(peer.podSelector, labels);
    });
  });
}

/** The labels of the Pods a workload (Job, StatefulSet, Deployment) or bare Pod makes. */
export function podLabels(object: K8sObject): Labels {
  if (object.kind === 'Pod') return object.metadata.labels ?? {};
  return (object['spec'] as { template: { metadata: { labels?: Labels } } }).template.metadata.labels ?? {};
}
