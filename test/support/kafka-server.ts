import { kafkaServerScript } from './paths.js';
import { freePorts } from './ports.js';
import { runOk } from './process.js';

export type KafkaMode = 'zookeeper' | 'kraft';
export const kafkaModes: readonly KafkaMode[] = ['zookeeper', 'kraft'];

/**
 * A real Kafka started by scripts/kafka-server.sh: a broker with its own ZooKeeper, or one
 * combined KRaft node. Tests that stop or kill a broker get one of their own.
 */
export class KafkaServer {
  private constructor(
    readonly name: string,
    readonly mode: KafkaMode,
    readonly port: number,
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Reserves ports (the broker's, then ZooKeeper's or the controller's) without starting anything. */
  static async allocate(label: string, mode: KafkaMode): Promise<KafkaServer> {
    return new KafkaServer(`${label}-${mode}-${process.pid}-${Date.now() % 100_000}`, mode, await freePorts(2));
  }

  static async start(label: string, mode: KafkaMode): Promise<KafkaServer> {
    const server = await KafkaServer.allocate(label, mode);
    await server.start();
    return server;
  }

  /** Starts (or restarts, keeping data) whatever is not running. */
  async start(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'start', this.name, this.mode, String(this.port)]);
  }

  /** Stops the broker process at once, as a crash would. */
  async kill(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'kill', this.name]);
  }

  async delete(): Promise<void> {
    await runOk('bash', [kafkaServerScript, 'delete', this.name]);
  }
}

