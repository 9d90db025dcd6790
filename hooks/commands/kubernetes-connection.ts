// How the commands that keep something in the release's namespace reach the API (kubernetes-options.ts).
import { readFile } from 'node:fs/promises';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { inCluster, inClusterServer, KubernetesClient } from '../kubernetes/client.js';
import type { KubernetesArgs } from './kubernetes-options.js';

/** A client for the API server the options name (in a Pod: its own), and the namespace to work in. */
export async function connectKubernetes(args: KubernetesArgs): Promise<{ client: KubernetesClient; namespace: string }> {
  const server = args.kubeServer ?? inClusterServer(process.env);
  if (!server)
    throw new ActionableError('no Kubernetes API server to talk to', 'run in a Pod, or pass --kube-server', [], ExitCode.invalidInput);
  const namespace = args.namespace ?? (await readFile(inCluster.namespaceFile, 'utf8').catch(() => '')).trim();
  if (!namespace) throw new ActionableError('no namespace to work in', 'run in a Pod, or pass --namespace', [], ExitCode.invalidInput);
  const client = await KubernetesClient.connect({ server, tokenFile: args.kubeTokenFile, caFile: args.kubeCaFile });
  return { client, namespace };
}
