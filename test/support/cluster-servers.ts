import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEnvFile } from './env-file.js';
import { existingServicesValues, restrictedNamespace, type RealNode } from './node.js';
import { repoRoot } from './paths.js';
import { asSuperuser, type PostgresqlAddress } from './postgresql-server.js';
import { until } from './wait.js';

/** Where PostgreSQL's Pod listens, behind its Service's 5432 (servers.yaml). */
const postgresqlPodPort = 15432;

// The images scripts/harness/node/servers/build.sh makes, tagged with the versions they hold.
const versions = readEnvFile(join(repoRoot, 'scripts/versions.env'));
const images = {
  kafka: `localhost/learnflow/kafka-server:${versions['KAFKA_VERSION']}`,
  postgresql: `localhost/learnflow/postgresql-server:${versions['POSTGRESQL_PACKAGE_VERSION']}`,
};

/** Waits until the StatefulSet's Pod is Ready; its address. */
async function readyPod(node: RealNode, namespace: string, name: string): Promise<string> {
  const rolled = await node.cluster.kubectl(['rollout', 'status', `statefulset/${name}`, '--namespace', namespace, '--timeout', '300s']);
  if (rolled.code !== 0) throw new Error(`${namespace}/${name} not ready: ${rolled.stderr}${await node.report(namespace)}`);
  const pod = await node.cluster.kubectlJson<{ status: { podIP: string } }>(['get', 'pod', `${name}-0`, '--namespace', namespace]);
  return pod.status.podIP;
}

/**
 * Kafka and PostgreSQL as workloads of the real node (scripts/harness/node/servers/servers.yaml):
 * StatefulSets on the node's volumes, in a namespace of their own, as a team that runs them for
 * the chart's existing-services mode has them. The suite's own clients reach them by Pod address.
 */
export class ClusterServers {
  private constructor(
    private readonly node: RealNode,
    readonly namespace: string,
    /** The broker, as the suite's clients reach it (its Pod's address, which it advertises). */
    readonly kafka: string,
    readonly postgres: PostgresqlAddress,
  ) {}

  static async start(node: RealNode, namespace: string): Promise<ClusterServers> {
    const superuserPassword = randomBytes(18).toString('base64url');
    const manifest = (await readFile(join(repoRoot, 'scripts/harness/node/servers/servers.yaml'), 'utf8'))
      .replaceAll('@NAMESPACE@', namespace)
      .replaceAll('@KAFKA_IMAGE@', images.kafka)
      .replaceAll('@POSTGRESQL_IMAGE@', images.postgresql);
    const first = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        restrictedNamespace(namespace),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'postgresql-superuser', namespace },
          stringData: { 'superuser-password': superuserPassword },
        },
      ],
    };
    for (const [what, input] of [
      ['namespace and Secret', JSON.stringify(first)],
      ['StatefulSets', manifest],
    ] as const) {
      const applied = await node.cluster.kubectl(['apply', '-f', '-'], input);
      if (applied.code !== 0) throw new Error(`creating the in-cluster servers' ${what}: ${applied.stderr}`);
    }
    const [kafka, postgresHost] = await Promise.all([readyPod(node, namespace, 'kafka'), readyPod(node, namespace, 'postgresql')]);
    const postgres = { host: postgresHost, port: postgresqlPodPort, superuserPassword };
    // It listens before it accepts sessions: "the database system is starting up" (57P03) means not yet.
    await until('the in-cluster PostgreSQL to accept sessions', () => asSuperuser(postgres, (client) => client.query('SELECT 1')), {
      notYet: (error) => (error as { code?: string }).code === '57P03',
    });
    return new ClusterServers(node, namespace, `${kafka}:9092`, postgres);
  }

  /**
   * The values for a release that uses them: existing services, and the hooks' policy naming their
   * Pods and PostgreSQL's Pod port, which its Service translates.
   */
  values(): string[] {
    const peers = (name: string, app: string) => [
      '--set',
      `networkPolicy.${name}Peers[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=${this.namespace}`,
      '--set',
      `networkPolicy.${name}Peers[0].podSelector.matchLabels.app\\.kubernetes\\.io/name=${app}`,
    ];
    return [
      ...existingServicesValues(this.namespace),
      ...peers('kafka', 'kafka'),
      ...peers('postgresql', 'postgresql'),
      '--set',
      `networkPolicy.postgresqlPorts[0]=${postgresqlPodPort}`,
    ];
  }

  async delete(): Promise<void> {
    await this.node.cluster.kubectl(['delete', 'namespace', this.namespace, '--wait=false']);
  }
}
