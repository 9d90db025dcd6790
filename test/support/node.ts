import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster } from './controlplane.js';
import { nodeScript } from './paths.js';
import { runOk } from './process.js';

/** The node's address: its Pods' gateway, the API server's, and where host servers for Pods listen. */
export const nodeAddress = '198.18.0.1';

/**
 * The real node of scripts/node.sh (containerd, kubelet, kube-proxy, CoreDNS, local volumes) with
 * its own control plane, and the hooks image built from the project's Dockerfile. One per machine.
 */
export class RealNode {
  private constructor(
    readonly cluster: Cluster,
    readonly hooksImage: string,
  ) {}

  static async start(): Promise<RealNode> {
    const { stdout } = await runOk('bash', [nodeScript, 'start', instance]);
    const state = process.env['LEARNFLOW_STATE'];
    if (!state) throw new Error('LEARNFLOW_STATE is not set: source scripts/env.sh');
    const hooksImage = (await readFile(join(state, 'node', instance, 'hooks-image'), 'utf8')).trim();
    return new RealNode(new Cluster(stdout.trim().split('\n').at(-1)!), hooksImage);
  }

  /** What a failed test needs to be understood: the Pods, the warnings, and every container's last log lines. */
  async report(namespace: string): Promise<string> {
    const text = async (args: string[]) => {
      const result = await this.cluster.kubectl(args);
      return `$ kubectl ${args.join(' ')}\n${result.stdout}${result.stderr}`;
    };
    const pods = await this.cluster.kubectlJson<{ items: { metadata: { name: string }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }[] }>(['get', 'pods', '--namespace', namespace]);
    const logs = await Promise.all(
      pods.items.flatMap((pod) =>
        [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((container) => text(['logs', '--namespace', namespace, pod.metadata.name, '-c', container.name, '--tail', '25'])),
      ),
    );
    return [await text(['get', 'pods', '-A', '-o', 'wide']), await text(['get', 'events', '--namespace', namespace, '--field-selector', 'type=Warning']), ...logs].join('\n');
  }

  async stop(): Promise<void> {
    await runOk('bash', [nodeScript, 'stop', instance]);
  }
}

const instance = 'e2e';
