import type { K8sObject } from '../cluster/objects.js';
import { parseQuantity } from '../cluster/quantity.js';

// A StatefulSet's volumeClaimTemplates cannot change once it exists (the API server refuses the
// update, and Helm fails the upgrade half-applied), so an upgrade keeps the size each volume was
// made with. Pure: the rendered release and the StatefulSets the cluster has, in; the values that
// keep each size and what to tell the user, out.

interface StatefulSet extends K8sObject {
  spec?: { volumeClaimTemplates?: { metadata: { name: string }; spec?: { resources?: { requests?: { storage?: string } } } }[] };
}

/** The values key that sizes one volume of a StatefulSet, by the labels its chart gives it and the claim's name. */
function sizeKey(statefulSet: StatefulSet, claim: string): string | undefined {
  const labels = statefulSet.metadata.labels ?? {};
  const name = labels['app.kubernetes.io/name'];
  const component = labels['app.kubernetes.io/component'];
  // The dapr chart names its workloads by the label app (its app.kubernetes.io/name is the release's).
  if (labels['app'] === 'dapr-scheduler-server' && claim === 'dapr-scheduler-data-dir') return 'dapr.dapr_scheduler.cluster.storageSize';
  if (claim !== 'data') return undefined;
  if (name === 'zookeeper') return 'kafka.zookeeper.persistence.size';
  if (name === 'kafka' && component === 'broker') return 'kafka.broker.persistence.size';
  if (name === 'kafka' && component === 'controller-eligible') return 'kafka.controller.persistence.size';
  if (name === 'postgresql' && component === 'primary') return 'postgresql.primary.persistence.size';
  return undefined;
}

const sizes = (statefulSet: StatefulSet) =>
  new Map((statefulSet.spec?.volumeClaimTemplates ?? []).map((claim) => [claim.metadata.name, claim.spec?.resources?.requests?.storage]));

export interface VolumePins {
  /** `--set` arguments that keep the sizes the cluster has. */
  set: string[];
  /** One line per volume kept, for the user. */
  kept: string[];
  /** Volumes whose size would change and no value sizes: the upgrade would fail. */
  unpinnable: string[];
}

/** What keeps every existing StatefulSet's volumes (`existing`: the namespace's StatefulSets) at the size they were made with. */
export function volumeSizePins(rendered: readonly K8sObject[], existing: readonly K8sObject[]): VolumePins {
  const pins: VolumePins = { set: [], kept: [], unpinnable: [] };
  for (const wanted of rendered.filter((object): object is StatefulSet => object.kind === 'StatefulSet')) {
    const found = existing.find((object): object is StatefulSet => object.metadata.name === wanted.metadata.name);
    if (!found) continue;
    const have = sizes(found);
    for (const [claim, size] of sizes(wanted)) {
      const current = have.get(claim);
      if (!current || !size || parseQuantity(current) === parseQuantity(size)) continue;
      const where = `StatefulSet ${wanted.metadata.name}, volume ${claim}`;
      const key = sizeKey(wanted, claim);
      if (!key) {
        pins.unpinnable.push(`${where}: ${current} in the cluster, ${size} in the values`);
        continue;
      }
      pins.set.push('--set', `${key}=${current}`);
      pins.kept.push(`${where}: kept at ${current} (the values say ${size}; ${key})`);
    }
  }
  return pins;
}
