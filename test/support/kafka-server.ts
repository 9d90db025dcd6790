import { createServer } from 'node:net';
import { kafkaServerScript } from './paths.js';
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

  /** Reserves ports without starting anything, for tests that start the broker late. */
  static async allocate(label: string, mode: KafkaMode): Promise<KafkaServer> {
    return new KafkaServer(`${label}-${mode}-${process.pid}-${Date.now() % 100_000}`, mode, await freePortPair());
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

/** A port whose successor is free too (ZooKeeper or the KRaft controller listens there). */
async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = await listenOn(0);
    if (port < 65_000 && (await canListen(port + 1))) return port;
  }
  throw new Error('found no two consecutive free ports on 127.0.0.1');
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
    });
  });
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenOn(port);
    return true;
  } catch {
    return false;
  }
}
