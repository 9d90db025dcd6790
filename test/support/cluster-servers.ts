import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEnvFile } from './env-file.js';
import { existingServicesValues, restrictedNamespace, setFlags, type RealNode } from './node.js';
import { repoRoot } from './paths.js';
import { asSuperuser, type PostgresqlAddress } from './postgresql-server.js';
import { NotYet, until } from './wait.js';
import { withTestAdmin } from './kafka-admin.js';

/** Where PostgreSQL's Pod listens, behind its Service's 5432 (servers.yaml). */
const postgresqlPodPort = 15432;

// The images scripts/harness/node/servers/build.sh makes, tagged with the versions they hold.
const versions = readEnvFile(join(repoRoot, 'scripts/versions.env'));
const images = {
  kafka: `localhost/learnflow/kafka-server:${versions['KAFKA_VERSION']}`,
  postgresql: `localhost/learnflow/postgresql-server:${versions['POSTGRESQL_PACKAGE_VERSION']}`,
};

/** A server's Pod: which one (its uid) and its address. */
interface ServerPod {
  uid: string;
  address: string;
}

/** The server StatefulSets, each named after its app (servers.yaml), with one Pod `<name>-0`. */
const serverNames = ['kafka', 'postgresql'] as const;
type ServerName = (typeof serverNames)[number];

/** Waits until the StatefulSet's Pod is Ready, and is not the Pod `replaced` (a uid); that Pod. */
function readyPod(node: RealNode, namespace: string, name: ServerName, replaced?: string): Promise<ServerPod> {
  return until(
    `${namespace}/${name}-0 ready${replaced ? ', in place of the one deleted' : ''}`,
    async () => {
      const pod = await node.cluster
        .kubectlJson<{
          metadata: { uid: string; deletionTimestamp?: string };
          status: { podIP?: string; conditions?: { type: string; status: string }[] };
        }>(['get', 'pod', `${name}-0`, '--namespace', namespace])
        .catch((error: unknown) => {
          // Between the old Pod's end and the new one's creation there is none.
          throw /NotFound/.test(String(error)) ? new NotYet(`${name}-0 does not exist yet`) : error;
        });
      const ready = pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True');
      if (pod.metadata.uid === replaced || pod.metadata.deletionTimestamp || !ready || !pod.status.podIP) {
        throw new NotYet(`${name}-0 is not ready yet`);
      }
      return { uid: pod.metadata.uid, address: pod.status.podIP };
    },
    { timeoutMs: 300_000 },
  ).catch(async (error: unknown) => {
    throw new Error(`${String(error)}${await node.report(namespace)}`);
  });
}

/** Waits until PostgreSQL accepts sessions: it listens first, answering "the database system is starting up" (57P03). */
function acceptingSessions(postgres: PostgresqlAddress): Promise<unknown> {
  return until('the in-cluster PostgreSQL to accept sessions', () => asSuperuser(postgres, (client) => client.query('SELECT 1')), {
    notYet: (error) => (error as { code?: string }).code === '57P03',
  });
}

/**
 * Kafka and PostgreSQL as workloads of the real node (scripts/harness/node/servers/servers.yaml):
 * StatefulSets on the node's volumes, in a namespace of their own, as a team that runs them for
 * the chart's existing-services mode has them. The suite's own clients reach them by Pod address.
 */
export class ClusterServers {
  /** The Pods deleted by deletePods, which untilBack waits to see replaced. */
  private deleted: Partial<Record<ServerName, string>> = {};

  private constructor(
    private readonly node: RealNode,
    readonly namespace: string,
    private readonly superuserPassword: string,
    private pods: Record<ServerName, ServerPod>,
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
    const [kafka, postgresql] = await Promise.all(serverNames.map((name) => readyPod(node, namespace, name)));
    const servers = new ClusterServers(node, namespace, superuserPassword, { kafka: kafka!, postgresql: postgresql! });
    await acceptingSessions(servers.postgres);
    return servers;
  }

  /** The broker, as the suite's clients reach it: its Pod's address, which it advertises. */
  get kafka(): string {
    return `${this.pods.kafka.address}:9092`;
  }

  /** PostgreSQL, as the suite's clients reach it: its Pod's address and port. */
  get postgres(): PostgresqlAddress {
    return { host: this.pods.postgresql.address, port: postgresqlPodPort, superuserPassword: this.superuserPassword };
  }

  /**
   * Deletes both servers' Pods, as a rolling restart or a drained node does: each gets its stop
   * signal and its grace period, and its StatefulSet makes a new Pod, at a new address, on the same
   * volume. Returns once the deletions are asked for.
   */
  async deletePods(): Promise<void> {
    this.deleted = { kafka: this.pods.kafka.uid, postgresql: this.pods.postgresql.uid };
    const names = serverNames.map((name) => `${name}-0`);
    const result = await this.node.cluster.kubectl(['delete', 'pod', ...names, '--namespace', this.namespace, '--wait=false']);
    if (result.code !== 0) throw new Error(`deleting the in-cluster servers' Pods: ${result.stderr}`);
  }

  /** Waits until the StatefulSets have brought back the Pods deletePods deleted, and points the suite's clients at them. */
  async untilBack(): Promise<void> {
    const [kafka, postgresql] = await Promise.all(serverNames.map((name) => readyPod(this.node, this.namespace, name, this.deleted[name])));
    this.pods = { kafka: kafka!, postgresql: postgresql! };
    await acceptingSessions(this.postgres);
  }

  /**
   * What each volume was made with, and so changes if a server starts on a new one: Kafka's cluster
   * id (formatted once) and PostgreSQL's system identifier (initdb's).
   */
  async volumeIdentities(): Promise<{ kafkaClusterId: string; postgresqlSystemId: string }> {
    const [kafkaClusterId, postgresqlSystemId] = await Promise.all([
      withTestAdmin(this.kafka, async (admin) => (await admin.describeCluster()).clusterId),
      asSuperuser(this.postgres, async (client) => {
        const { rows } = await client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
        return rows[0]!.id;
      }),
    ]);
    return { kafkaClusterId, postgresqlSystemId };
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
      ...setFlags(existingServicesValues(this.namespace)),
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
