import { randomBytes } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster } from './controlplane.js';
import { KafkaServer } from './kafka-server.js';
import { nodeScript } from './paths.js';
import { asSuperuser, PostgresqlServer } from './postgresql-server.js';
import { run, runOk } from './process.js';

/** The node's address: its Pods' gateway, the API server's, and where host servers for Pods listen. */
export const nodeAddress = '198.18.0.1';
/** Pods get addresses in 198.18.0.0/24 (scripts/harness/node.sh). */
export const podAddressPrefix = '198.18.0.';

/**
 * The real node of scripts/harness/node.sh (containerd, kubelet, kube-proxy, CoreDNS, local volumes) with
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
    const pods = await this.cluster.kubectlJson<{
      items: { metadata: { name: string }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }[];
    }>(['get', 'pods', '--namespace', namespace]);
    const logs = await Promise.all(
      pods.items.flatMap((pod) =>
        [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((container) =>
          text(['logs', '--namespace', namespace, pod.metadata.name, '-c', container.name, '--tail', '25']),
        ),
      ),
    );
    return [
      await text(['get', 'pods', '-A', '-o', 'wide']),
      await text(['get', 'events', '--namespace', namespace, '--field-selector', 'type=Warning']),
      ...logs,
    ].join('\n');
  }

  async stop(): Promise<void> {
    await runOk('bash', [nodeScript, 'stop', instance]);
  }
}

const instance = 'e2e';

/**
 * Kafka and PostgreSQL for the chart's "existing services" mode, as a user of a managed Kafka or
 * PostgreSQL has them: the suite's own servers on the node's address (ZooKeeper mode), behind
 * Services without selectors in a namespace that enforces the restricted Pod Security Standard; a
 * database and its owner, the services' role, and the Dapr state store's role and schema; and the credentials Secret
 * holding the passwords those roles were given (the credentials hook adds the keys that are missing).
 */
export class ExistingServices {
  private constructor(
    readonly kafka: KafkaServer,
    readonly postgres: PostgresqlServer,
    private readonly appPassword: string,
    /** The values that point the chart at them. */
    readonly values: readonly string[],
  ) {}

  static async start(node: RealNode, namespace: string): Promise<ExistingServices> {
    const [kafka, postgres] = await Promise.all([
      KafkaServer.start('node', 'zookeeper', nodeAddress),
      PostgresqlServer.start('node', nodeAddress),
    ]);
    const appPassword = randomBytes(18).toString('base64url');
    const storePassword = randomBytes(18).toString('base64url');
    const servicesPassword = randomBytes(18).toString('base64url');
    const address = await postgres.address();
    await asSuperuser(address, async (client) => {
      await client.query(`CREATE ROLE learnflow LOGIN PASSWORD '${appPassword}'`);
      await client.query('CREATE DATABASE learnflow OWNER learnflow');
      // The services' and the Dapr state store's roles, as docs/postgresql.md and docs/dapr.md
      // tell the owner of a managed PostgreSQL to make them.
      await client.query(`CREATE ROLE learnflow_services LOGIN PASSWORD '${servicesPassword}'`);
      await client.query(`CREATE ROLE dapr LOGIN PASSWORD '${storePassword}'`);
      await client.query('ALTER ROLE dapr SET search_path TO dapr, pg_catalog');
    });
    await asSuperuser(address, (client) => client.query('CREATE SCHEMA dapr AUTHORIZATION dapr'), 'learnflow');
    const external = (name: string, port: number, targetPort: number) => [
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name, port, targetPort }] } },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-host`, namespace, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [nodeAddress] }],
        ports: [{ name, port: targetPort }],
      },
    ];
    const items = [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
        },
      },
      ...external('kafka', 9092, kafka.port),
      ...external('postgresql', 5432, postgres.port),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'learnflow-credentials', namespace },
        stringData: { password: appPassword, 'services-password': servicesPassword, 'dapr-password': storePassword },
      },
    ];
    const applied = await node.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    if (applied.code !== 0) throw new Error(`creating the existing services: ${applied.stderr}`);
    const values = [
      '--set',
      'kafka.enabled=false',
      '--set',
      'postgresql.enabled=false',
      '--set',
      `kafkaTopics.bootstrapServers=kafka.${namespace}.svc.cluster.local:9092`,
      '--set',
      `postgresqlSchema.host=postgresql.${namespace}.svc.cluster.local`,
      // The test flow seeds the test users, as a development install does.
      '--set',
      'postgresqlSchema.testUsers.enabled=true',
    ];
    return new ExistingServices(kafka, postgres, appPassword, values);
  }

  /** Runs `work` connected to the database as its owner, from outside the cluster. */
  async withApp<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.appClient();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** A client connected as the database's owner, from outside the cluster; the caller ends it. */
  async appClient(): Promise<pg.Client> {
    const client = new pg.Client({
      host: this.postgres.host,
      port: this.postgres.port,
      user: 'learnflow',
      password: this.appPassword,
      database: 'learnflow',
    });
    await client.connect();
    return client;
  }

  async delete(): Promise<void> {
    await Promise.all([this.kafka.delete(), this.postgres.delete()]);
  }
}

/**
 * What the node changes on the machine and its stop must put back: network links, iptables rules
 * (both families, without counters), the kernel settings it sets, mounts and folders.
 */
export async function machineState(): Promise<Record<string, string>> {
  // A table with only its built-in chains, accepting, and no rule is no change: the kernel
  // keeps a table once anything has used it, and stop cannot unload it.
  const rules = async (command: string) =>
    ((await runOk(command, [])).stdout.match(/^\*[\s\S]*?^COMMIT$/gm) ?? [])
      .map((table) => table.split('\n').map((line) => line.replace(/ \[\d+:\d+\]$/, '')))
      .filter((lines) => lines.some((line) => line.startsWith('-A') || (line.startsWith(':') && !line.endsWith(' ACCEPT'))))
      .map((lines) => lines.join('\n'))
      .join('\n');
  const links = (await runOk('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0])
    .filter(Boolean);
  const sysctls = await Promise.all(
    ['net/ipv4/ip_forward', 'kernel/panic', 'kernel/panic_on_oops', 'vm/overcommit_memory', 'net/bridge/bridge-nf-call-iptables'].map(
      async (key) => `${key}=${(await readFile(`/proc/sys/${key}`, 'utf8')).trim()}`,
    ),
  );
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((line) => /learnflow|kubelet|netns|containerd/.test(line));
  const paths = await Promise.all(
    ['/var/run/netns', '/var/lib/cni', '/var/log/pods', '/var/log/containers', '/var/lib/kubelet'].map(
      async (path) =>
        `${path}: ${await access(path).then(
          () => 'present',
          () => 'absent',
        )}`,
    ),
  );
  return {
    links: links.sort().join(' '),
    iptables: await rules('iptables-save'),
    ip6tables: await rules('ip6tables-save'),
    sysctls: sysctls.join(' '),
    mounts: mounts.join('\n'),
    paths: paths.join('\n'),
  };
}

/** Packets the node's guard rules dropped (both chains), read from the mangle table. */
export async function guardDrops(): Promise<number> {
  let dropped = 0;
  for (const chain of ['LEARNFLOW-FORWARD', 'LEARNFLOW-OUT']) {
    const listing = (await run('iptables', ['-t', 'mangle', '-L', chain, '-v', '-x', '-n'])).stdout;
    for (const line of listing.split('\n')) if (/\bDROP\b/.test(line)) dropped += Number(line.trim().split(/\s+/)[0]);
  }
  return dropped;
}
