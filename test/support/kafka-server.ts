import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kafkaServerScript } from './paths.js';
import { freePorts } from './ports.js';
import { runOk } from './process.js';

export type KafkaMode = 'zookeeper' | 'kraft';
export const kafkaModes: readonly KafkaMode[] = ['zookeeper', 'kraft'];
/**
 * kraft-scram: a KRaft node whose client listener takes SASL/SCRAM-SHA-512 (user learnflow);
 * kraft3: three combined KRaft nodes, the production profile's shape.
 */
export type KafkaServerMode = KafkaMode | 'kraft-scram' | 'kraft3';

const portsOf: Record<KafkaServerMode, number> = { zookeeper: 2, kraft: 2, 'kraft-scram': 3, kraft3: 6 };

/**
 * A real Kafka started by scripts/kafka-server.sh: a broker with its own ZooKeeper, or one
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

  /** The SCRAM password of the client user learnflow (kraft-scram), as the script generated it. */
  async saslPassword(): Promise<string> {
    const state = process.env['LEARNFLOW_STATE'];
    if (!state) throw new Error('LEARNFLOW_STATE is not set: source scripts/env.sh');
    return (await readFile(join(state, 'kafka', this.name, 'client.password'), 'utf8')).trim();
  }

  async delete(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'delete', this.name]);
  }
}
