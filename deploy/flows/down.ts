import { ActionableError } from '../../common/errors.js';
import type { Helm } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { claimPrefixes, parseManifest } from '../cluster/manifest.js';
import type { PersistentVolumeClaim } from '../cluster/objects.js';
import { hooksOwnedSelector } from '../../common/labels.js';

export interface DownReport {
  release: string;
  uninstalled: boolean;
  /** Volumes, the credentials Secret and the topic state: kept unless deleting data was asked for and confirmed. */
  data: { kind: string; name: string; action: 'kept' | 'deleted' }[];
}

/**
 * What holds the release's data: its StatefulSets' claims, and what the hooks created outside the
 * release (the credentials Secret, the topic hook's state ConfigMap).
 */
async function dataOf(
  kubectl: Kubectl,
  helm: Helm,
  release: string,
): Promise<{ claims: string[]; hooksOwned: { kind: string; name: string }[] }> {
  const prefixes = claimPrefixes(parseManifest((await helm.run(['get', 'manifest', release])).stdout)).map((item) => item.prefix);
  // By name for the claims of the release's StatefulSets; by label for what Bitnami's charts made, even once the release is gone.
  const claims = (await kubectl.list<PersistentVolumeClaim>('persistentvolumeclaims'))
    .filter(
      (claim) =>
        prefixes.some((prefix) => claim.metadata.name.startsWith(prefix)) ||
        claim.metadata.labels?.['app.kubernetes.io/instance'] === release,
    )
    .map((claim) => claim.metadata.name);
  // Only what the hooks made is ever deleted, found by the labels they put on it; a Secret the user
  // manages (global.learnflow.credentialsSecret) never is. Names only: no value is ever read.
  const owned = await kubectl.run([
    'get',
    'secrets,configmaps',
    '--selector',
    hooksOwnedSelector(release),
    '--namespace',
    kubectl.target.namespace,
    '--output',
    'jsonpath={range .items[*]}{.kind} {.metadata.name}{"\\n"}{end}',
  ]);
  const hooksOwned = (owned.code === 0 ? owned.stdout.split('\n') : [])
    .map((line) => line.trim().split(' '))
    .filter((fields): fields is [string, string] => fields.length === 2)
    .map(([kind, name]) => ({ kind, name }));
  return { claims, hooksOwned };
}

/**
 * Uninstalls the release. Its volumes, credentials Secret (whose passwords match the data in the
 * volumes) and topic state are kept unless `deleteData` is set, which the caller confirms first.
 */
export async function down(kubectl: Kubectl, helm: Helm, release: string, deleteData: boolean): Promise<DownReport> {
  const exists = Boolean(await helm.release(release));
  const data = await dataOf(kubectl, helm, release);
  if (exists)
    await helm.ok(
      ['uninstall', release, '--wait', '--timeout', '5m'],
      `helm uninstall ${release}`,
      "see Helm's message below; running down again is safe",
    );
  const action = deleteData ? 'deleted' : 'kept';
  const items = [...data.claims.map((name) => ({ kind: 'PersistentVolumeClaim', name })), ...data.hooksOwned];
  if (deleteData && items.length > 0) {
    const result = await kubectl.run([
      'delete',
      '--namespace',
      kubectl.target.namespace,
      '--wait',
      '--timeout',
      '120s',
      ...items.map((item) => `${item.kind.toLowerCase()}/${item.name}`),
    ]);
    if (result.code !== 0)
      throw new ActionableError("deleting the release's data failed", "see kubectl's message; running down --delete-data again is safe", [
        result.stderr.trim(),
      ]);
  }
  return { release, uninstalled: exists, data: items.map((item) => ({ ...item, action })) };
}
