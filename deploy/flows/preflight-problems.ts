import { podTemplates } from '../cluster/manifest.js';
import type { K8sObject, Secret, StorageClass, Workload } from '../cluster/objects.js';

/** The oldest versions the chart and these commands are tested with. */
const minimumVersions = {
  kubernetes: [1, 29],
  kubectl: [1, 29],
  // The oldest Helm the README promises; the tests run Helm 4.
  helm: [3, 18],
} as const;

/** [major, minor] from "v1.34.4", "1.29+" or {major: "1", minor: "29+"}. */
function parseVersion(text: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function atLeast(version: readonly [number, number], minimum: readonly [number, number]): boolean {
  return version[0] > minimum[0] || (version[0] === minimum[0] && version[1] >= minimum[1]);
}

/** A version problem as one line, or undefined when the version is new enough. */
export function versionProblem(what: keyof typeof minimumVersions, found: string): string | undefined {
  const minimum = minimumVersions[what];
  const version = parseVersion(found);
  if (version && atLeast(version, minimum)) return undefined;
  return `${what} ${found || '(unknown version)'} is older than the ${minimum.join('.')} this chart needs`;
}

function isDefault(storageClass: StorageClass): boolean {
  const annotations = storageClass.metadata.annotations ?? {};
  return (
    annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

interface Claim {
  owner: string;
  storageClassName?: string | undefined;
}

/** The volumes the release claims: StatefulSets' volumeClaimTemplates and PersistentVolumeClaims. */
export function claimsOf(objects: readonly K8sObject[]): Claim[] {
  return objects.flatMap((object): Claim[] => {
    const owner = `${object.kind} ${object.metadata.name}`;
    if (object.kind === 'PersistentVolumeClaim')
      return [{ owner, storageClassName: (object.spec as { storageClassName?: string } | undefined)?.storageClassName }];
    if (object.kind !== 'StatefulSet') return [];
    return ((object as Workload).spec.volumeClaimTemplates ?? []).map((template) => ({
      owner,
      storageClassName: template.spec?.storageClassName,
    }));
  });
}

/** Why the release's volumes cannot be provisioned, or undefined when they can. */
export function storageProblem(claims: readonly Claim[], classes: readonly StorageClass[]): string | undefined {
  const names = new Set(classes.map((storageClass) => storageClass.metadata.name));
  const missing = claims.filter((claim) => claim.storageClassName && !names.has(claim.storageClassName));
  if (missing.length > 0) {
    return (
      `StorageClass ${[...new Set(missing.map((claim) => claim.storageClassName))].join(', ')} does ` +
      `not exist (asked for by ${missing.map((claim) => claim.owner).join(', ')})`
    );
  }
  const unnamed = claims.filter((claim) => claim.storageClassName === undefined);
  if (unnamed.length > 0 && !classes.some(isDefault)) {
    return (
      `the cluster has no default StorageClass, and ` +
      `${[...new Set(unnamed.map((claim) => claim.owner))].join(', ')} ask for volumes of the default class`
    );
  }
  return undefined;
}

/** The image pull Secrets the release's Pods in `namespace` name (hooks.imagePullSecrets, global.imagePullSecrets and the subcharts'). */
export function pullSecretNames(objects: readonly K8sObject[], namespace: string): string[] {
  const names = podTemplates(objects)
    .filter((template) => (template.owner.metadata.namespace ?? namespace) === namespace)
    .flatMap((template) => template.spec.imagePullSecrets ?? [])
    .map((secret) => secret.name);
  return [...new Set(names)].sort();
}

// The Secret types the kubelet reads a registry login from, and the key of each: it ignores any other.
const pullSecretKeys: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

/**
 * Why the kubelet would not use pull Secrets the release names, one line each: missing from the
 * namespace, or not a registry login. It pulls without them then, and a private registry refuses.
 */
export function pullSecretProblems(names: readonly string[], found: readonly Secret[]): string[] {
  return names.flatMap((name) => {
    const secret = found.find((candidate) => candidate.metadata.name === name);
    if (!secret) return [`Secret ${name} does not exist`];
    const key = pullSecretKeys[secret.type ?? ''];
    if (!key) return [`Secret ${name} is of type ${secret.type ?? 'Opaque'}, not kubernetes.io/dockerconfigjson: the kubelet ignores it`];
    if (!secret.data?.[key]) return [`Secret ${name} has no ${key} key: the kubelet ignores it`];
    return [];
  });
}
