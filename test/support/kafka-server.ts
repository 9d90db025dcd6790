import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaServerScript, stateFolder } from './paths.js';
import { freePorts } from './ports.js';
import { run, runOk, type Finished } from './process.js';
import type { Certificate } from './tls.js';

export type KafkaMode = 'zookeeper' | 'kraft';
export const kafkaModes: readonly KafkaMode[] = ['zookeeper', 'kraft'];
/**
 * kraft-scram: a KRaft node with SASL on every listener, as profiles/kafka-sasl.yaml renders it
 * (client learnflow and inter-broker inter_broker_user with SCRAM-SHA-512, controller_user with PLAIN);
 * kraft-acl: the same with the ACL authorizer, as profiles/production.yaml renders it;
 * kraft-scram-tls: kraft-scram whose client listener is SASL_SSL, as a managed Kafka's (startTls);
 * kraft3: three combined KRaft nodes, the production profile's shape.
 */
export type KafkaServerMode = KafkaMode | 'kraft-scram' | 'kraft-acl' | 'kraft-scram-tls' | 'kraft3';

const portsOf: Record<KafkaServerMode, number> = {
  zookeeper: 2,
  kraft: 2,
  'kraft-scram': 3,
  'kraft-acl': 3,
  'kraft-scram-tls': 3,
  kraft3: 6,
};

/** The listeners of a SASL node (kraft-scram, kraft-acl): their ports follow its client port. */
export const saslListeners = { client: 0, controller: 1, internal: 2 } as const;

/**
 * A real Kafka started by scripts/harness/kafka-server.sh: a broker with its own ZooKeeper, or one
 * combined KRaft node. Tests that stop or kill a broker get one of their own.
 */
export class KafkaServer {
  private constructor(
    readonly name: string,
    readonly mode: KafkaServerMode,
    readonly port: number,
    /** Where it listens and what it advertises: 127.0.0.1, or the test node's address for its Pods. */
    readonly address: string,
  ) {}

  get bootstrap(): string {
    return `${this.address}:${this.port}`;
  }

  /** Every broker's address: one, or kraft3's three (node N on port + N). */
  get brokers(): string[] {
    return Array.from({ length: this.mode === 'kraft3' ? 3 : 1 }, (_, node) => `${this.address}:${this.port + node}`);
  }

  /** Reserves ports (the broker's, then ZooKeeper's or the controller's) without starting anything. */
  static async allocate(label: string, mode: KafkaServerMode, address = '127.0.0.1'): Promise<KafkaServer> {
    return new KafkaServer(`${label}-${mode}-${process.pid}-${Date.now() % 100_000}`, mode, await freePorts(portsOf[mode]), address);
  }

  static async start(label: string, mode: KafkaServerMode, address?: string): Promise<KafkaServer> {
    const server = await KafkaServer.allocate(label, mode, address);
    await server.start();
    return server;
  }

  /**
   * A kraft-scram-tls node whose client listener shows `certificate` (its key and chain, as Kafka
   * reads PEM), listening on and advertising `address`: a name or an address the certificate
   * carries, since a client verifies each broker by the address it advertises.
   */
  static async startTls(label: string, certificate: Certificate, address = 'localhost'): Promise<KafkaServer> {
    const server = await KafkaServer.allocate(label, 'kraft-scram-tls', address);
    await mkdir(join(server.dir, 'tls'), { recursive: true });
    await writeFile(join(server.dir, 'tls', 'server.pem'), `${certificate.key}${certificate.cert}`);
    await server.start();
    return server;
  }

  /** Starts (or restarts, keeping data) whatever is not running. */
  async start(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'start', this.name, this.mode, String(this.port), this.address]);
  }

  /** Stops the broker and ZooKeeper, keeping their data. */
  async stop(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'stop', this.name]);
  }

  /** Suspends the broker: it keeps its connections and answers nothing, as a hung broker does. */
  async freeze(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'freeze', this.name]);
  }

  /** Stops the broker process (kraft3: node `node`'s) at once, as a crash would. */
  async kill(node?: number): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'kill', this.name, ...(node === undefined ? [] : [String(node)])]);
  }

  /**
   * A SASL password as the script generated it (kraft-scram, kraft-acl, kraft-scram-tls): the client user
   * learnflow's, the inter-broker user's or the controller user's.
   */
  async saslPassword(user: 'client' | 'inter-broker' | 'controller' = 'client'): Promise<string> {
    return (await readFile(join(this.dir, `${user}.password`), 'utf8')).trim();
  }

  /** The server.properties it runs with (kraft3: node 0's). */
  serverProperties(): Promise<string> {
    return readFile(join(this.dir, ...(this.mode === 'kraft3' ? ['node-0'] : []), 'server.properties'), 'utf8');
  }

  private get dir(): string {
    return join(stateFolder(), 'kafka', this.name);
  }

  async delete(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'delete', this.name]);
  }
}

/**
 * Runs one of Kafka's own command-line tools by its main class, from the suite's Kafka jars,
 * with `properties` as its client configuration (--command-config): what a real Java client does.
 */
export async function kafkaTool(mainClass: string, args: readonly string[], properties: Record<string, string>): Promise<Finished> {
  const libs = process.env['LEARNFLOW_KAFKA_LIBS'];
  if (!libs) throw new Error('LEARNFLOW_KAFKA_LIBS is not set: source scripts/env.sh');
  const dir = await mkdtemp(join(tmpdir(), 'kafka-tool-'));
  const config = join(dir, 'client.properties');
  await writeFile(
    config,
    Object.entries(properties)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
  try {
    return await run('java', ['-Xmx256m', '-cp', `${libs}/*`, mainClass, '--command-config', config, ...args]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A Java client's properties that give up within seconds, for probes expected to be refused. */
export const briefClient = { 'request.timeout.ms': '5000', 'default.api.timeout.ms': '10000' };
