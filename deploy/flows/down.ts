import { ActionableError } from '../../common/errors.js';
import type { Helm } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { claimPrefixes, parseManifest } from '../cluster/manifest.js';
import type { PersistentVolumeClaim } from '../cluster/objects.js';
import { credentialsSecretSelector } from '../../common/labels.js';

export interface DownReport {
  release: string;
  uninstalled: boolean;
  /** Volumes and the credentials Secret: kept unless deleting data was asked for and confirmed. */
  data: { kind: string; name: string; action: 'kept' | 'deleted' }[];
}

/** What holds the release's data: its StatefulSets' claims and the Secret the credentials hook created. */
async function dataOf(kubectl: Kubectl, helm: Helm, release: string): Promise<{ claims: string[]; secret: string | undefined }> {
  const prefixes = claimPrefixes(parseManifest((await helm.run(['get', 'manifest', release])).stdout)).map((item) => item.prefix);
  // By name for the claims of the release's StatefulSets; by label for what Bitnami's charts made, even once the release is gone.
  const claims = (await kubectl.list<PersistentVolumeClaim>('persistentvolumeclaims'))
    .filter(
      (claim) =>
        prefixes.some((prefix) => claim.metadata.name.startsWith(prefix)) ||
        claim.metadata.labels?.['app.kubernetes.io/instance'] === release,
    )
    .map((claim) => claim.metadata.name);
  // Only a Secret the hook made is ever deleted, found by the labels it put on it; one the user
  // manages (global.learnflow.credentialsSecret) never is. Names only: its values are never read.
  const secrets = await kubectl.run([
    'get',
    'secrets',
    '--selector',
    credentialsSecretSelector(release),
    '--namespace',
    kubectl.target.namespace,
    '--output',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return { claims, secret: secrets.code === 0 ? secrets.stdout.split(' ').find(Boolean) : undefined };
}

/**
 * Uninstalls the release. Its volumes and credentials Secret (whose passwords match the data in
 * the volumes) are kept unless `deleteData` is set, which the caller confirms first.
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
  const items = [
    ...data.claims.map((name) => ({ kind: 'PersistentVolumeClaim', name })),
    ...(data.secret ? [{ kind: 'Secret', name: data.secret }] : []),
  ];
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
