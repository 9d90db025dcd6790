import { parseAllDocuments } from 'yaml';
import { isHook, type K8sObject, type PodSpec, type Workload } from './objects.js';

/** The objects of a rendered YAML stream (helm template, helm get manifest). */
export function parseManifest(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => Boolean(object?.kind));
}

/** A kind of Pod the release will run, and how many at once. */
export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  replicas: number;
  /** Hook and test Pods run one at a time, after or beside the rest. */
  hook: boolean;
}

const replicated = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  return objects.flatMap((object): PodTemplate[] => {
    if (object.kind === 'Pod') {
      return [
        {
          owner: object,
          labels: object.metadata.labels ?? {},
          annotations: object.metadata.annotations ?? {},
          spec: object.spec as PodSpec,
          replicas: 1,
          hook: isHook(object),
        },
      ];
    }
    if (replicated.has(object.kind) || object.kind === 'DaemonSet' || object.kind === 'Job') {
      const { spec } = object as Workload;
      const replicas = replicated.has(object.kind) ? (spec.replicas ?? 1) : 1;
      const metadata = spec.template.metadata ?? {};
      return [
        {
          owner: object,
          labels: metadata.labels ?? {},
          annotations: metadata.annotations ?? {},
          spec: spec.template.spec,
          replicas,
          hook: isHook(object),
        },
      ];
    }
    return [];
  });
}

/** The claims a StatefulSet makes, named <template>-<statefulset>-<ordinal>: the prefixes, and how many. */
export function claimPrefixes(objects: readonly K8sObject[]): { prefix: string; replicas: number }[] {
  return objects
    .filter((object): object is Workload => object.kind === 'StatefulSet')
    .flatMap((set) =>
      (set.spec.volumeClaimTemplates ?? []).map((template) => ({
        prefix: `${template.metadata.name}-${set.metadata.name}-`,
        replicas: set.spec.replicas ?? 1,
      })),
    );
}
