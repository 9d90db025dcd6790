import type { Pod } from '../../deploy/cluster/objects.js';
import { labelKeys, learnflowPart } from '../../common/labels.js';

// Cluster objects as the deploy command reads them, for its unit tests.

/** The labels of a LearnFlow Pod of `component`. */
export const ownLabels = (component: string) => ({ [labelKeys.partOf]: learnflowPart, 'app.kubernetes.io/component': component });

/** A Pod of the reconcile Job, with `fields` over it. */
export function pod(name: string, fields: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: ownLabels('reconcile') },
    spec: { containers: [] },
    ...fields,
  };
}
