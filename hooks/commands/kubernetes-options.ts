import type { Options } from 'yargs';
import { inCluster } from '../kubernetes/client.js';

/** How to reach the Kubernetes API (KubernetesSettings): the commands that keep something in the release's namespace take these. */
export const kubernetesOptions = {
  namespace: { type: 'string', describe: "The namespace of what the command keeps (default: the Pod's own)" },
  'kube-server': { type: 'string', describe: 'API server URL (default: the in-cluster address)' },
  'kube-token-file': { type: 'string', default: inCluster.tokenFile, describe: 'Bearer token file' },
  'kube-ca-file': { type: 'string', default: inCluster.caFile, describe: "The API server's CA certificate" },
} as const satisfies Record<string, Options>;
