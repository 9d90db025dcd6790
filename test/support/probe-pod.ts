import { randomBytes } from 'node:crypto';
import { onTestFinished } from 'vitest';
import type { Cluster } from './controlplane.js';
import { NotYet, until } from './wait.js';

/** What one new TCP connection met: 'connected', 'timed out' (a drop, as a NetworkPolicy denies), or the error's code. */
export type Outcome = string;

/** The port a probe Pod listens on unless told another, so that it can be a destination too. */
const defaultPort = 8080;

// One connection, judged on its first packet; a drop shows as a timeout.
const connectOnce = [
  'const [host, port] = process.argv.slice(1);',
  "const socket = require('node:net').connect({ host, port: Number(port), timeout: 3000 });",
  "socket.on('connect', () => (console.log('connected'), socket.destroy()));",
  "socket.on('timeout', () => (console.log('timed out'), socket.destroy()));",
  "socket.on('error', (error) => console.log(error.code));",
].join('\n');

/**
 * A Pod with chosen labels that meets the restricted Pod Security Standard, listening on
 * `port`, from which the test opens connections one at a time (kubectl exec): each is new, so
 * each is judged by the NetworkPolicies that select this Pod or its destination. It is deleted
 * when the test that started it finishes.
 */
export class ProbePod {
  private constructor(
    private readonly cluster: Cluster,
    readonly namespace: string,
    readonly name: string,
    /** Its Pod address, once Ready. */
    readonly address: string,
    readonly port: number,
  ) {}

  static async start(
    cluster: Cluster,
    image: string,
    namespace: string,
    labels: Record<string, string>,
    port = defaultPort,
  ): Promise<ProbePod> {
    const name = `probe-${randomBytes(3).toString('hex')}`;
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'probe',
            image,
            imagePullPolicy: 'Never',
            command: ['node', '-e', `require('node:net').createServer((socket) => socket.end()).listen(${port})`],
            readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
            securityContext: restricted,
          },
        ],
      },
    };
    const created = await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(pod));
    if (created.code !== 0) throw new Error(`creating probe Pod ${namespace}/${name}: ${created.stderr}`);
    const probe = new ProbePod(cluster, namespace, name, '', port);
    // Started or not, it is deleted with its test: one left behind would carry the labels it was given.
    onTestFinished(() => probe.delete());
    const ready = await cluster.kubectl(['wait', '--namespace', namespace, `pod/${name}`, '--for', 'condition=Ready', '--timeout', '120s']);
    if (ready.code !== 0) throw new Error(`probe Pod ${namespace}/${name} not Ready: ${ready.stderr}`);
    const { status } = await cluster.kubectlJson<{ status: { podIP: string } }>(['get', 'pod', name, '--namespace', namespace]);
    return new ProbePod(cluster, namespace, name, status.podIP, port);
  }

  /** Opens one new connection from this Pod to host:port. */
  async connect(host: string, port: number): Promise<Outcome> {
    const result = await this.cluster.kubectl([
      'exec',
      '--namespace',
      this.namespace,
      this.name,
      '--',
      'node',
      '-e',
      connectOnce,
      host,
      String(port),
    ]);
    if (result.code !== 0) throw new Error(`probing ${host}:${port} from ${this.namespace}/${this.name}: ${result.stderr}`);
    return result.stdout.trim();
  }

  /**
   * Connects until the outcome is `expected`, within a bound: a Pod's packets pass until the
   * NetworkPolicy controller has seen its address, so a first connection may still get through.
   */
  async until(expected: Outcome, host: string, port: number): Promise<void> {
    await until(
      `${this.namespace}/${this.name} → ${host}:${port} to be ${expected}`,
      async () => {
        const outcome = await this.connect(host, port);
        if (outcome !== expected) throw new NotYet(`${outcome}, not ${expected}`);
      },
      { timeoutMs: 60_000 },
    );
  }

  async delete(): Promise<void> {
    await this.cluster.kubectl(['delete', 'pod', this.name, '--namespace', this.namespace, '--wait=false']);
  }
}
