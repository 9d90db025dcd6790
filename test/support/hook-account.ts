import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { parse } from 'yaml';
import { find, render, type K8sObject } from './chart.js';
import { Cluster } from './controlplane.js';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority': string } }[];
}

export interface HookAccount {
  namespace: string;
  /** The rendered chart, in that namespace. */
  objects: K8sObject[];
  /** The program's flags that make it talk to the API server as the account, in the namespace. */
  flags: string[];
  /** The same as the program's environment (LEARNFLOW_HOOKS_KUBE_SERVER, ...), as for a rendered container. */
  env: Record<string, string>;
  /** `kubectl auth can-i` as the account. */
  can: (verb: string, resource: string) => Promise<string>;
}

/**
 * A hook's ServiceAccount, Role and RoleBinding (all named `name`) as the chart renders them,
 * applied in a namespace of their own, with a token of that ServiceAccount: the program run with
 * `flags` has exactly the chart's permissions, nothing more.
 */
export async function hookAccount(
  cluster: Cluster,
  name: string,
  options: { withRoleBinding?: boolean; set?: string[] } = {},
): Promise<HookAccount> {
  const namespace = await cluster.namespace(name);
  const objects = await render({ namespace, set: options.set ?? [] });
  const kinds = ['ServiceAccount', 'Role', ...(options.withRoleBinding === false ? [] : ['RoleBinding'])];
  // Each in every namespace the chart puts it in (the credentials hook's Role also goes to the services namespaces).
  const applied = kinds.flatMap((kind) => [
    find(objects, kind, name),
    ...objects.filter((object) => object.kind === kind && object.metadata.name === name),
  ]);
  const created = await cluster.kubectl(
    ['apply', '-f', '-'],
    [...new Set(applied)].map((object) => JSON.stringify(object)).join('\n---\n'),
  );
  if (created.code !== 0) throw new Error(`applying the ${name} account: ${created.stderr}`);

  const token = await cluster.kubectl(['create', 'token', name, '--namespace', namespace]);
  if (token.code !== 0) throw new Error(`making a token of ${name}: ${token.stderr}`);
  const tokenFile = join(await mkdtemp(join(tmpdir(), 'learnflow-token-')), 'token');
  await writeFile(tokenFile, token.stdout.trim());
  const { cluster: server } = (parse(await readFile(cluster.kubeconfig, 'utf8')) as Kubeconfig).clusters[0]!;
  const env = {
    LEARNFLOW_HOOKS_NAMESPACE: namespace,
    LEARNFLOW_HOOKS_KUBE_SERVER: server.server,
    LEARNFLOW_HOOKS_KUBE_TOKEN_FILE: tokenFile,
    LEARNFLOW_HOOKS_KUBE_CA_FILE: server['certificate-authority'],
  };
  const flag = (name: string) => `--${name.slice('LEARNFLOW_HOOKS_'.length).toLowerCase().replaceAll('_', '-')}`;
  const flags = Object.entries(env).flatMap(([name, value]) => [flag(name), value]);
  const can = async (verb: string, resource: string) =>
    (
      await cluster.kubectl([
        'auth',
        'can-i',
        verb,
        resource,
        '--namespace',
        namespace,
        '--as',
        `system:serviceaccount:${namespace}:${name}`,
      ])
    ).stdout.trim();
  return { namespace, objects, flags, env, can };
}

/** The API access of the reconcile Job's account, in a namespace of its own: LocalServices.apiAccess of a rendered reconcile Job. */
export async function reconcileApiAccess(): Promise<Record<string, string>> {
  return (await hookAccount(new Cluster(inject('kubeconfig')), 'learnflow-reconcile')).env;
}
