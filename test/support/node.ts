import { randomBytes } from 'node:crypto';
import { access, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { mergeValues } from './chart.js';
import { Cluster } from './controlplane.js';
import { readEnvFile, words } from './env-file.js';
import type { KafkaLogin } from './kafka-admin.js';
import { KafkaServer, type KafkaMode } from './kafka-server.js';
import { nodeEnvFile, nodeScript, stateFolder } from './paths.js';
import { asSuperuser, PostgresqlServer, type PostgresqlAddress } from './postgresql-server.js';
import { run, runOk, type Finished } from './process.js';
import { CertificateAuthority } from './tls.js';

/**
 * The node's facts, as node.sh sources them (scripts/harness/node.env): its addresses, chains,
 * kernel settings, paths, folders and ports. What the restore test checks is derived from them.
 */
const facts = readEnvFile(nodeEnvFile);
function fact(key: string): string {
  const value = facts[key];
  if (value === undefined) throw new Error(`${nodeEnvFile} has no ${key}`);
  return value;
}

/** The node's address: its Pods' gateway, the API server's, and where host servers for Pods listen. */
export const nodeAddress = fact('NODE_ADDRESS');

/**
 * The real node of scripts/harness/node.sh (containerd, kubelet, kube-proxy, CoreDNS, local volumes) with
 * its own control plane, and the project's images built from its Dockerfiles. One per machine.
 */
export class RealNode {
  private constructor(
    readonly cluster: Cluster,
    readonly hooksImage: string,
    /** The example service's image (examples/service), for the services' tests. */
    readonly exampleImage: string,
  ) {}

  /** The node's Debian and Node.js image (node/build.sh), for Pods of the tests' own. */
  readonly baseImage = `localhost/learnflow/node-base:${process.versions.node}`;

  static async start(): Promise<RealNode> {
    const { stdout } = await runOk('bash', [nodeScript, 'start', instance]);
    const image = async (file: string) => (await readFile(join(instanceFolder(stateFolder()), fact(file)), 'utf8')).trim();
    return new RealNode(
      new Cluster(stdout.trim().split('\n').at(-1)!),
      await image('NODE_HOOKS_IMAGE_FILE'),
      await image('NODE_EXAMPLE_IMAGE_FILE'),
    );
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

  /** The ports of Argo CD beside the node (node.env's NODE_ARGOCD_*_PORT), by name. */
  readonly argocdPorts: Readonly<Record<string, number>> = Object.fromEntries(
    Object.entries(facts)
      .filter(([key]) => /^NODE_ARGOCD_\w+_PORT$/.test(key))
      .map(([key, port]) => [key.slice('NODE_ARGOCD_'.length, -'_PORT'.length).toLowerCase(), Number(port)]),
  );

  /** Starts Argo CD beside the node (node.sh argocd); the node's stop stops it. */
  async startArgoCd(): Promise<void> {
    await runOk('bash', [nodeScript, 'argocd', instance]);
  }

  /**
   * Starts the private registry beside the node (node.sh registry), with the hooks image pushed
   * to it and untagged on the node: the first Pod that names it makes the node pull it with a login.
   */
  async startRegistry(): Promise<PrivateRegistry> {
    await runOk('bash', [nodeScript, 'registry', instance]);
    const server = `127.0.0.1:${fact('NODE_REGISTRY_PORT')}`;
    const passwordFile = join(instanceFolder(stateFolder()), fact('NODE_REGISTRY_PASSWORD_FILE'));
    const hooksImage = `${server}/learnflow/learnflow-hooks:${this.hooksImage.split(':').at(-1)}`;
    return {
      server,
      user: fact('NODE_REGISTRY_USER'),
      password: (await readFile(passwordFile, 'utf8')).trim(),
      hooksImage,
      unpulledHooksImage: `${hooksImage}-unpulled`,
    };
  }

  /** The NetworkPolicy canary node.sh runs at start, run again (node.sh canary). */
  canary(): Promise<Finished> {
    return run('bash', [nodeScript, 'canary', instance]);
  }

  /**
   * Runs `work` without the rule that sends new connections between Pods to the NetworkPolicy
   * controller (netpol_start in node.sh): policies then judge nothing. The rule is put back as it
   * was, first in its chain, however `work` ends.
   */
  async withoutEnforcement<T>(work: () => Promise<T>): Promise<T> {
    const chain = guardChain('NODE_GUARD_FORWARD');
    const table = 'mangle';
    const listed = (await runOk('iptables', ['-t', table, '-S', chain])).stdout.split('\n');
    const rule = listed.find((line) => line.includes('-j NFQUEUE'));
    if (!rule) throw new Error(`no NFQUEUE rule in the ${table} chain ${chain}:\n${listed.join('\n')}`);
    const spec = words(rule).slice(2); // after "-A <chain>"
    await runOk('iptables', ['-t', table, '-D', chain, ...spec]);
    try {
      return await work();
    } finally {
      await runOk('iptables', ['-t', table, '-I', chain, '1', ...spec]);
    }
  }

  async stop(): Promise<void> {
    await runOk('bash', [nodeScript, 'stop', instance]);
  }
}

const instance = 'e2e';

/** The private registry beside the node (node.sh registry): a team's own registry, which wants a login. */
export interface PrivateRegistry {
  /** host:port, as image references and a pull Secret's server name it. */
  readonly server: string;
  readonly user: string;
  readonly password: string;
  /** The hooks image there, which no Pod on the node has pulled until one names it. */
  readonly hooksImage: string;
  /** The same image under a second tag, for a pull no earlier Pod made (IfNotPresent skips the registry otherwise). */
  readonly unpulledHooksImage: string;
}

/**
 * An image pull Secret with a login to `registry` (the password given, or the registry's), as
 * `kubectl create secret docker-registry` makes it.
 */
export function pullSecret(name: string, namespace: string, registry: PrivateRegistry, password = registry.password): object {
  const auth = Buffer.from(`${registry.user}:${password}`).toString('base64');
  const config = { auths: { [registry.server]: { username: registry.user, password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/dockerconfigjson',
    stringData: { '.dockerconfigjson': JSON.stringify(config) },
  };
}

/** The instance's folder, and its control plane's, under LEARNFLOW_STATE. */
function instanceFolder(state: string): string {
  return join(state, fact('NODE_STATE_FOLDER'), instance);
}
function controlPlaneFolder(state: string): string {
  return join(state, fact('NODE_CONTROLPLANE_FOLDER'), fact('NODE_CONTROLPLANE_PREFIX') + instance);
}

/**
 * Kafka and PostgreSQL for the chart's "existing services" mode, as a user of a managed Kafka or
 * PostgreSQL has them: the suite's own servers on the node's address (a broker with ZooKeeper or in KRaft mode), behind
 * Services without selectors in a namespace that enforces the restricted Pod Security Standard; a
 * database and its owner, the services' role, and the Dapr state store's role and schema; and the credentials Secret
 * holding the passwords those roles were given (the credentials hook adds the keys that are missing).
 * With `tls`, as managed services run them: a KRaft broker whose client listener is SASL_SSL, a
 * PostgreSQL that accepts TLS only, each certificate from a CA made at start and naming the
 * Service and the node's address; the chart verifies both by name.
 */
export class ExistingServices {
  private constructor(
    readonly kafka: KafkaServer,
    readonly postgres: PostgresqlServer,
    private readonly appPassword: string,
    /** The values that point the chart at them (existingServicesValues, and the TLS values). */
    readonly chartValues: Record<string, unknown>,
    /** How the test's own Kafka clients log in: SASL and the CA with `tls`, nothing without. */
    readonly kafkaLogin: KafkaLogin,
  ) {}

  /** The values that point the chart at them, as `--set` flags. */
  get values(): string[] {
    return setFlags(this.chartValues);
  }

  /** Starts them for a release in `namespace`, which is made with the credentials Secret and `items` of the caller's. */
  static async start(
    node: RealNode,
    namespace: string,
    options: { kafkaMode: KafkaMode; tls?: boolean; items?: readonly object[] },
  ): Promise<ExistingServices> {
    const ca = options.tls ? await CertificateAuthority.create('learnflow-managed-services') : undefined;
    const serverCertificate = (name: string) =>
      ca!.server({ commonName: name, dns: [`${name}.${namespace}.svc.cluster.local`], ips: [nodeAddress] });
    const [kafka, postgres] = await Promise.all([
      ca
        ? KafkaServer.startTls('node', await serverCertificate('kafka'), nodeAddress)
        : KafkaServer.start('node', options.kafkaMode, nodeAddress),
      PostgresqlServer.start('node', nodeAddress),
    ]);
    const passwords = await makeLearnflowDatabase(await postgres.address());
    if (ca) await postgres.requireTls(await serverCertificate('postgresql'), ca.certificate);
    const tls = ca && { ca, saslPassword: await kafka.saslPassword() };
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
    await releaseNamespace(node, namespace, passwords, [
      ...external('kafka', 9092, kafka.port),
      ...external('postgresql', 5432, postgres.port),
      ...(options.items ?? []),
      ...(tls ? managedTlsSecrets(namespace, tls.ca, tls.saslPassword) : []),
    ]);
    const values = existingServicesValues(namespace);
    if (!tls) return new ExistingServices(kafka, postgres, passwords.password, values, {});
    const login = {
      sasl: { mechanism: 'scram-sha-512' as const, username: 'learnflow', password: tls.saslPassword },
      ssl: { ca: tls.ca.certificate.cert },
    };
    return new ExistingServices(kafka, postgres, passwords.password, mergeValues(values, managedTlsValues), login);
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
    const { ssl } = await this.postgres.address();
    const client = new pg.Client({
      host: this.postgres.host,
      port: this.postgres.port,
      ...(ssl && { ssl }),
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

/** The Secrets a user of managed services makes: the SASL password, and the provider's CA. */
function managedTlsSecrets(namespace: string, ca: CertificateAuthority, saslPassword: string): object[] {
  const secret = (name: string, stringData: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData,
  });
  return [secret('kafka-sasl', { 'client-passwords': saslPassword }), secret('managed-ca', { 'ca.crt': ca.certificate.cert })];
}

/** The values for managed services over TLS (docs/kafka.md, docs/postgresql.md): SASL_SSL with the CA, and verify-full. */
const managedTlsValues = {
  kafka: { listeners: { client: { protocol: 'SASL_SSL' } }, sasl: { existingSecret: 'kafka-sasl' } },
  kafkaTopics: { tls: { caCertificate: { secretName: 'managed-ca' } } },
  postgresqlSchema: { tls: { mode: 'verify-full', caCertificate: { secretName: 'managed-ca' } } },
};

/** The managed PostgreSQL's CA as projected-volume sources, for a service's Pod (the example chart's learnflow.postgresqlTlsSources). */
export const managedTlsSources = [{ secret: { name: 'managed-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }];

/** The passwords of the roles an existing PostgreSQL's owner makes for the chart, keyed as the credentials Secret holds them. */
export type DatabasePasswords = Record<'password' | 'services-password' | 'dapr-password', string>;

/**
 * As docs/postgresql.md and docs/dapr.md tell the owner of an existing PostgreSQL: the database
 * and its owner learnflow, the services' role, and the Dapr state store's role and schema.
 */
export async function makeLearnflowDatabase(address: PostgresqlAddress): Promise<DatabasePasswords> {
  const passwords: DatabasePasswords = {
    password: randomBytes(18).toString('base64url'),
    'services-password': randomBytes(18).toString('base64url'),
    'dapr-password': randomBytes(18).toString('base64url'),
  };
  await asSuperuser(address, async (client) => {
    await client.query(`CREATE ROLE learnflow LOGIN PASSWORD '${passwords.password}'`);
    await client.query('CREATE DATABASE learnflow OWNER learnflow');
    await client.query(`CREATE ROLE learnflow_services LOGIN PASSWORD '${passwords['services-password']}'`);
    await client.query(`CREATE ROLE dapr LOGIN PASSWORD '${passwords['dapr-password']}'`);
    await client.query('ALTER ROLE dapr SET search_path TO dapr, pg_catalog');
  });
  await asSuperuser(address, (client) => client.query('CREATE SCHEMA dapr AUTHORIZATION dapr'), 'learnflow');
  return passwords;
}

/** A Namespace that enforces the restricted Pod Security Standard, as LearnFlow's namespaces do. */
export function restrictedNamespace(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
    },
  };
}

/**
 * A release's namespace, enforcing the restricted Pod Security Standard, with the credentials
 * Secret holding the existing roles' passwords (the credentials hook adds the keys that are
 * missing), and `items` of the caller's.
 */
export async function releaseNamespace(node: RealNode, namespace: string, passwords: DatabasePasswords, items: readonly object[] = []) {
  const objects = [
    restrictedNamespace(namespace),
    ...items,
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'learnflow-credentials', namespace }, stringData: passwords },
  ];
  const applied = await node.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  if (applied.code !== 0) throw new Error(`creating the namespace ${namespace}: ${applied.stderr}`);
}

/** Values as Helm's `--set` flags (a dot in a key escaped), for the deploy command and Helm. */
export function setFlags(values: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = prefix + key.replaceAll('.', '\\.');
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? setFlags(value as Record<string, unknown>, `${path}.`)
      : ['--set', `${path}=${String(value)}`];
  });
}

/** The values that point the chart at Kafka and PostgreSQL behind Services named kafka and postgresql in `namespace`. */
export function existingServicesValues(namespace: string): Record<string, unknown> {
  return {
    kafka: { enabled: false },
    postgresql: { enabled: false },
    kafkaTopics: { bootstrapServers: `kafka.${namespace}.svc.cluster.local:9092` },
    // The test flow seeds the test users, as a development install does.
    postgresqlSchema: { host: `postgresql.${namespace}.svc.cluster.local`, testUsers: { enabled: true } },
  };
}

/**
 * What the node changes on the machine and its stop must put back, from its facts (node.env):
 * network links, the bridge, iptables rules (both families, without counters) and the node's
 * chains, the kernel settings start and the kubelet set, mounts under the machine paths and the
 * node's folders, those paths and folders, listeners on the node's ports, and whether a program
 * holds the NetworkPolicy controller's queue.
 */
export async function machineState(): Promise<Record<string, string>> {
  const state = stateFolder();
  const saved = { iptables: (await runOk('iptables-save', [])).stdout, ip6tables: (await runOk('ip6tables-save', [])).stdout };
  // A table with only its built-in chains, accepting, and no rule is no change: the kernel
  // keeps a table once anything has used it, and stop cannot unload it.
  const rules = (dump: string) =>
    (dump.match(/^\*[\s\S]*?^COMMIT$/gm) ?? [])
      .map((table) => table.split('\n').map((line) => line.replace(/ \[\d+:\d+\]$/, '')))
      .filter((lines) => lines.some((line) => line.startsWith('-A') || (line.startsWith(':') && !line.endsWith(' ACCEPT'))))
      .map((lines) => lines.join('\n'))
      .join('\n');
  const nodeChains = [...guardChains(), ...words(fact('NODE_KUBE_CHAINS'))];
  const chains = Object.entries(saved).flatMap(([family, dump]) =>
    (dump.match(/^\*[\s\S]*?^COMMIT$/gm) ?? []).flatMap((table) => {
      const name = table.split('\n')[0]!.slice(1);
      return nodeChains.filter((chain) => table.includes(`\n:${chain} `)).map((chain) => `${family} ${name} ${chain}`);
    }),
  );
  const links = (await runOk('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0])
    .filter(Boolean);
  const sysctlNames = [...words(fact('NODE_SYSCTLS_SET')).map((setting) => setting.split('=')[0]!), ...words(fact('NODE_SYSCTLS_KUBELET'))];
  const sysctls = await Promise.all(
    sysctlNames.map(async (key) => `${key}=${(await readFile(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8')).trim()}`),
  );
  const machinePaths = words(fact('NODE_MACHINE_PATHS'));
  const folders = [...machinePaths, instanceFolder(state), controlPlaneFolder(state)];
  // Mount points as /proc/mounts writes them: symbolic links resolved (/var/run is /run), even
  // for a path that does not exist yet.
  const under = await Promise.all(folders.map(async (folder) => `${await canonical(folder)}/`));
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .filter((line) => under.some((folder) => `${line.split(' ')[1]}/`.startsWith(folder)));
  const paths = await Promise.all(
    folders.map(
      async (path) =>
        `${path}: ${await access(path).then(
          () => 'present',
          () => 'absent',
        )}`,
    ),
  );
  const ports = new Set(
    Object.entries(facts)
      .filter(([key]) => key.endsWith('_PORT'))
      .map(([, port]) => Number(port)),
  );
  return {
    links: links.sort().join(' '),
    bridge: links.includes(fact('NODE_BRIDGE')) ? 'present' : 'absent',
    iptables: rules(saved.iptables),
    ip6tables: rules(saved.ip6tables),
    chains: chains.join('\n'),
    sysctls: sysctls.join(' '),
    mounts: mounts.join('\n'),
    paths: paths.join('\n'),
    listening: (await listeningPorts()).filter((port) => ports.has(port)).join(' '),
    queue: (await boundQueues()).includes(fact('NODE_NETPOL_QUEUE')) ? 'bound' : 'free',
  };
}

/** The netfilter queues a program listens on, from /proc (no file: the module is not loaded, none is). */
async function boundQueues(): Promise<string[]> {
  const listing = await readFile('/proc/net/netfilter/nfnetlink_queue', 'utf8').catch(() => '');
  return listing
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[0]!);
}

/** The mangle-table chain a guard of node.env (BUILTIN:CHAIN) names. */
function guardChain(key: string): string {
  return fact(key).split(':')[1]!;
}

/** Every guard chain node.env names. */
function guardChains(): string[] {
  return Object.keys(facts)
    .filter((key) => key.startsWith('NODE_GUARD_'))
    .map(guardChain);
}

/** A path with its symbolic links resolved, as far as it exists. */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return dirname(path) === path ? path : join(await canonical(dirname(path)), basename(path));
  }
}

/** The TCP ports something listens on, IPv4 and IPv6, from /proc/net. */
async function listeningPorts(): Promise<number[]> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(file, 'utf8')).split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A') ports.add(parseInt(local!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Packets the node's guard rules on Pod traffic dropped (forwarded and sent), read from the mangle table. */
export async function guardDrops(): Promise<number> {
  let dropped = 0;
  for (const chain of [guardChain('NODE_GUARD_FORWARD'), guardChain('NODE_GUARD_OUT')]) {
    const listing = (await run('iptables', ['-t', 'mangle', '-L', chain, '-v', '-x', '-n'])).stdout;
    for (const line of listing.split('\n')) if (/\bDROP\b/.test(line)) dropped += Number(line.trim().split(/\s+/)[0]);
  }
  return dropped;
}
