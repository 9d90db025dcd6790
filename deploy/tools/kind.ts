import { ActionableError } from '../../common/errors.js';
import type { Progress } from '../output/progress.js';
import { lastLines, run } from './process.js';

/**
 * One kind node; its CPU and memory are Docker's, which the capacity check that follows measures.
 * Port 0 keeps the API server off fixed host ports, so several clusters can coexist.
 */
const clusterConfig = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  apiServerAddress: 127.0.0.1
  apiServerPort: 0
nodes:
  - role: control-plane
`;

/** Creates the kind cluster NAME unless it exists, and returns its kube context. */
export async function createKindCluster(name: string, progress: Progress): Promise<string> {
  const clusters = await run('kind', ['get', 'clusters']);
  if (clusters.code !== 0)
    throw new ActionableError(
      'kind cannot list its clusters (is Docker running?)',
      'start Docker, then run up again',
      lastLines(clusters.stderr),
    );
  if (clusters.stdout.split('\n').includes(name)) {
    progress.info(`kind cluster ${name} exists: using it`);
  } else {
    progress.waiting(`kind create cluster --name ${name}`);
    const created = await run('kind', ['create', 'cluster', '--name', name, '--config', '-', '--wait', '180s'], { input: clusterConfig });
    if (created.code !== 0)
      throw new ActionableError(
        `creating kind cluster ${name} failed`,
        "see kind's message below; Docker needs at least 4 CPUs and 8 GiB of memory for the stack",
        lastLines(created.stderr),
      );
  }
  return `kind-${name}`;
}
