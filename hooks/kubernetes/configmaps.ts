import { expectOk, type KubernetesClient } from './client.js';

export interface ConfigMapTarget {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** The data of ConfigMap `name`, or undefined when there is none. */
export async function readConfigMap(
  client: KubernetesClient,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const response = await client.call('GET', `/api/v1/namespaces/${namespace}/configmaps/${name}`);
  if (response.status === 404) return undefined;
  expectOk(response, `read ConfigMap ${namespace}/${name}`);
  return (response.body as { data?: Record<string, string> }).data ?? {};
}

/**
 * Sets keys `data` of ConfigMap `target.name`, creating it with `target.labels` if there is none.
 * The last writer wins: two runs at once write the same thing.
 */
export async function writeConfigMap(
  client: KubernetesClient,
  target: ConfigMapTarget,
  data: Readonly<Record<string, string>>,
): Promise<void> {
  const { namespace, name, labels } = target;
  const path = `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  const patch = () => client.call('PATCH', path, { metadata: { labels }, data }, 'application/merge-patch+json');
  let response = await patch();
  if (response.status === 404) {
    response = await client.call('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
      data,
    });
    // A concurrent run created it first: write over theirs.
    if (response.status === 409) response = await patch();
  }
  expectOk(response, `write ConfigMap ${namespace}/${name}`);
}
