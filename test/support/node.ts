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

  async stop(): Promise<void> {
    await runOk('bash', [nodeScript, 'stop', instance]);
  }
}

const instance = 'e2e';
