import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as pace } from 'node:timers/promises';
import { expect } from 'vitest';
import { uniquePrefix } from './catalogue.js';
import { inClusterKafka, inClusterPostgresql, type K8sObject, render } from './chart.js';
import type { Cluster } from './controlplane.js';
import { Daprd } from './daprd.js';
import type { RealNode } from './node.js';
import { repoRoot } from './paths.js';
import { freePorts } from './ports.js';
import { freshDatabase, madeStatestore, withDatabase, type PostgresqlAddress } from './postgresql-server.js';
import { NotYet, until } from './wait.js';

// The example service (examples/service) as the tests run it: beside a real daprd here, or in
// Pods of the real node, and the deploy command docs/services.md gives.

/** One event as the example service recorded it: parts of the CloudEvent's envelope, and the data published. */
export interface Processed {
  topic: string;
  id: string;
  source: string;
  type: string;
  data: unknown;
  /** When the service received it, ms since the epoch. */
  receivedAt: number;
}

/** One replica of an app id, reached over its HTTP port. */
export class ExampleApp {
  constructor(
    readonly appId: string,
    readonly name: string,
    private readonly base: string,
  ) {}

  /** What this replica has processed so far. */
  async processed(): Promise<Processed[]> {
    const response = await fetch(`${this.base}/processed`);
    if (!response.ok) throw new Error(`${this.name}: GET /processed answered ${response.status}`);
    return ((await response.json()) as { processed: Processed[] }).processed;
  }

  /** GET /ready: the sidecar up, and PostgreSQL answering as the services' role. */
  async ready(): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.base}/ready`);
    return { status: response.status, body: await response.json() };
  }

  /** Publishes through the service and its sidecar, as a service produces an event. */
  async publish(topic: string, data: unknown, key: string): Promise<void> {
    const response = await fetch(`${this.base}/publish/${topic}?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      // A publish that hangs is not acknowledged: the caller counts it so and goes on.
      signal: AbortSignal.timeout(30_000),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    if (response.status !== 204)
      throw new Error(`${this.name}: publishing to ${topic} answered ${response.status}: ${await response.text()}`);
  }
}

/**
 * One replica of an app id on this machine: the example service as its image runs it, beside a
 * real daprd that loads the chart's components, as the injector pairs them in a Pod.
 */
export class ExampleReplica extends ExampleApp {
  private constructor(
    appId: string,
    name: string,
    appPort: number,
    readonly daprd: Daprd,
    private readonly exited: Promise<number | null>,
    private readonly stopApp: () => void,
    private readonly output: readonly string[],
  ) {
    super(appId, name, `http://127.0.0.1:${appPort}`);
  }

  static async start(options: {
    appId: string;
    name: string;
    topics: readonly string[];
    components: readonly K8sObject[];
    secrets: Record<string, Record<string, string>>;
    substitutions: Record<string, string>;
  }): Promise<ExampleReplica> {
    const appPort = await freePorts(1);
    const daprd = await Daprd.start({ ...options, appPort });
    const child = spawn(process.execPath, [join(repoRoot, 'examples/service/src/main.ts')], {
      env: {
        ...process.env,
        APP_PORT: String(appPort),
        DAPR_HTTP_PORT: String(daprd.httpPort),
        // A Pod's HOSTNAME is its name: the replica's name in what it records.
        HOSTNAME: options.name,
        SUBSCRIBE_TOPICS: options.topics.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The app's log lines, to name why a replica that never got ready did not.
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new ExampleReplica(options.appId, options.name, appPort, daprd, exited, () => child.kill('SIGTERM'), output);
  }

  /**
   * Starts a replica and waits until it is ready. The ports are chosen free but only bound later,
   * so another process may take one first: a replica that exits on a port in use is started again
   * on others, up to three times.
   */
  static async startReady(options: Parameters<typeof ExampleReplica.start>[0]): Promise<ExampleReplica> {
    for (let attempt = 1; ; attempt++) {
      const replica = await ExampleReplica.start(options);
      try {
        await replica.untilReady();
        return replica;
      } catch (error) {
        await replica.stop();
        const portTaken = /address already in use|EADDRINUSE/.test(error instanceof Error ? error.message : '');
        if (!portTaken || attempt === 3) throw error;
      }
    }
  }

  /**
   * Waits until the sidecar is up, its components loaded and the app reachable (daprd's
   * /v1.0/healthz). Ends at once when the app or its sidecar exits; either way a failure carries
   * the last lines of both logs.
   */
  async untilReady(): Promise<void> {
    let exited: string | undefined;
    void this.exited.then((code) => (exited ??= `the app exited with ${code}`));
    void this.daprd.exited.then((code) => (exited ??= `its sidecar exited with ${code}`));
    const logs = () => `; the sidecar's last lines:\n${lastLines(this.daprd.log)}\nthe app's:\n${lastLines(this.output.join(''))}`;
    await until(`${this.name}'s sidecar to be ready`, async () => {
      if (exited) throw new Error(`${this.name}: ${exited}${logs()}`);
      const ready = await fetch(`http://127.0.0.1:${this.daprd.httpPort}/v1.0/healthz`).then(
        (response) => response.status === 204,
        () => false,
      );
      if (!ready) throw new NotYet(`not ready${logs()}`);
    });
  }

  /** Stops the sidecar alone, gracefully, as Kubernetes stops a deleted Pod's: the app then receives nothing more. */
  async stopSidecar(): Promise<void> {
    await this.daprd.stop();
  }

  async stop(): Promise<void> {
    this.stopApp();
    await this.exited;
    await this.daprd.stop();
  }
}

/**
 * Runs `attempt(n)` for n = 0..count-1, 20 a second, in the background, recording which the
 * sidecar acknowledged (resolved true) and which it refused (false, or failed). `stop` ends it
 * early: a test that waits for a fault to pass publishes until it has, within the bound `count`.
 */
export function steadily(count: number, attempt: (n: number) => Promise<boolean>) {
  const acknowledged: number[] = [];
  const refused: number[] = [];
  let stopped = false;
  const done = (async () => {
    for (let n = 0; n < count && !stopped; n++) {
      const started = Date.now();
      ((await attempt(n).catch(() => false)) ? acknowledged : refused).push(n);
      await pace(Math.max(0, 50 - (Date.now() - started)));
    }
  })();
  /** Whether `wanted` attempts were acknowledged after the last one refused: the fault is over. */
  const recovered = (wanted: number) => acknowledged.filter((n) => n > Math.max(-1, ...refused)).length >= wanted;
  return {
    acknowledged,
    refused,
    done,
    recovered,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

/** Publishes { n } for n = 0..count-1 steadily through `publisher` (see steadily). */
export const publishSteadily = (publisher: ExampleApp, topic: string, count: number) =>
  steadily(count, (n) => publisher.publish(topic, { n }, `student-${n % 20}`).then(() => true));

/**
 * The release's Dapr components as the chart renders them, for a fresh database on `postgresql`
 * (its state store role and schema made) and the broker `kafka`, and replicas of the example
 * started beside them.
 */
export async function examplePlatform(kafka: string, postgresql: PostgresqlAddress) {
  const db = await freshDatabase(postgresql);
  const store = await madeStatestore(postgresql, db);
  const objects = await render({
    set: [
      `postgresql.auth.database=${db.database}`,
      `postgresql.auth.username=${db.user}`,
      `daprComponents.statestore.username=${store.role}`,
    ],
  });
  const components = objects.filter((object) => object.kind === 'Component');
  const started: ExampleReplica[] = [];
  return {
    /** Starts `count` replicas of `appId` subscribed to `topics`, and waits until each is ready. */
    start: async (appId: string, count: number, topics: readonly string[]): Promise<ExampleReplica[]> => {
      const results = await Promise.allSettled(
        Array.from({ length: count }, (_, index) =>
          ExampleReplica.startReady({
            appId,
            name: `${appId}-${index}-${started.length}`,
            topics,
            components,
            secrets: { 'learnflow-credentials': { 'dapr-password': store.password } },
            substitutions: { [inClusterKafka]: kafka, [inClusterPostgresql]: `host='${postgresql.host}' port='${postgresql.port}'` },
          }),
        ),
      );
      // Those that started are stopped with the rest, even when another did not.
      const replicas = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      started.push(...replicas);
      for (const result of results) if (result.status === 'rejected') throw result.reason;
      return replicas;
    },
    /** The distinct events an app id's replicas processed, as its state store rows (Dapr prefixes each key with the app id). */
    savedEvents: (appId: string) =>
      withDatabase(
        db,
        async (client) => {
          const { rows } = await client.query<{ count: number }>('SELECT count(*)::int AS count FROM dapr.dapr_state WHERE key LIKE $1', [
            `${appId}||processed-%`,
          ]);
          return rows[0]!.count;
        },
        { user: store.role, password: store.password },
      ),
    /** Stops every replica started. */
    stop: () => Promise.all(started.splice(0).map((replica) => replica.stop())),
  };
}

/** App ids of one test's own, `<name>-<suffix>`: consumer groups are the broker's, shared by every test. */
export function uniqueAppIds<const Names extends readonly string[]>(...names: Names): { [K in keyof Names]: string } {
  const suffix = uniquePrefix().slice(1, -1);
  return names.map((name) => `${name}-${suffix}`) as { [K in keyof Names]: string };
}

/** What a replica processed: a running one's, or what a stopped one had. */
type Recorded = Pick<ExampleApp, 'processed'>;

/** Each number's deliveries on `topic` to the replicas of one app id. */
async function deliveries(replicas: readonly Recorded[], topic: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const replica of replicas)
    for (const event of await replica.processed()) {
      if (event.topic !== topic) continue;
      const n = (event.data as { n: number }).n;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
  return counts;
}

/**
 * Waits (bounded) until every acknowledged number published on `topic` reached the app id; how
 * many distinct numbers it received, and its duplicates.
 */
export async function untilAllDelivered(appId: string, replicas: readonly Recorded[], topic: string, acknowledged: readonly number[]) {
  return until(`every acknowledged message on ${topic} to reach ${appId}`, async () => {
    const counts = await deliveries(replicas, topic);
    const missing = acknowledged.filter((n) => !counts.has(n));
    if (missing.length > 0)
      throw new NotYet(`${missing.length} of ${acknowledged.length} not delivered yet (${missing.slice(0, 10).join(', ')}...)`);
    return { delivered: counts.size, duplicates: [...counts.values()].reduce((sum, count) => sum + count - 1, 0) };
  });
}

/**
 * The numbers ({ n }) each replica of one app id processed, once together they have processed
 * every one of 0..count-1 (bounded).
 */
export function untilEveryNumber(replicas: readonly ExampleApp[], count: number): Promise<Map<string, number[]>> {
  return until(`${replicas[0]!.appId} to process all ${count} messages`, async () => {
    const byReplica = new Map<string, number[]>();
    for (const replica of replicas)
      byReplica.set(
        replica.name,
        (await replica.processed()).map((event) => (event.data as { n: number }).n),
      );
    const distinct = new Set([...byReplica.values()].flat());
    if (distinct.size < count) throw new NotYet(`${distinct.size} of ${count} so far`);
    return byReplica;
  });
}

/**
 * The commands docs/services.md gives in the sh block after `<!-- marker -->`, each as arguments:
 * services-namespace (make the services' namespace), deploy-example (deploy the example).
 */
export async function documentedCommands(marker: 'services-namespace' | 'deploy-example'): Promise<string[][]> {
  const page = await readFile(join(repoRoot, 'docs', 'services.md'), 'utf8');
  const block = new RegExp(`<!-- ${marker} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(page)?.[1];
  if (!block) throw new Error(`docs/services.md has no sh block after <!-- ${marker} -->`);
  // Shell words: continuation lines joined, single quotes kept together (the page uses no other quoting).
  return block
    .replaceAll('\\\n', ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2]!));
}

/**
 * The services' namespace as docs/services.md makes it (its services-namespace commands, run the
 * first time), and the values that list it in the release.
 */
export async function documentedServicesNamespace(cluster: Cluster): Promise<{ name: string; values: string[] }> {
  const commands = await documentedCommands('services-namespace');
  const name = commands[0]!.at(-1)!;
  if ((await cluster.kubectl(['get', 'namespace', name])).code !== 0) {
    for (const [kubectl, ...args] of commands) {
      if (kubectl !== 'kubectl') throw new Error(`docs/services.md: ${kubectl} where kubectl was expected`);
      const result = await cluster.kubectl(args);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    }
  }
  return { name, values: ['--set', `global.learnflow.serviceNamespaces={${name}}`] };
}

/**
 * Deploys the example on the real node with docs/services.md's deploy-example command, as
 * `appId` (its release and app id) in `namespace`, with the image built here; `values` (Helm's
 * flags) after.
 */
export async function deployExample(node: RealNode, appId: string, namespace: string, values: readonly string[] = []): Promise<void> {
  const [helm, ...documented] = (await documentedCommands('deploy-example'))[0]!;
  expect(helm).toBe('helm');
  expect(documented).toContain('--namespace');
  const pageNamespace = documented[documented.indexOf('--namespace') + 1];
  const args = documented.map((word) =>
    word === 'progress'
      ? appId
      : word === 'appId=progress'
        ? `appId=${appId}`
        : word === pageNamespace
          ? namespace
          : word === 'examples/service/chart'
            ? join(repoRoot, word)
            : word,
  );
  const [repository, tag] = node.exampleImage.replace(/^localhost\//, '').split(':');
  const installed = await node.cluster.helm([
    ...args,
    ...['--set', 'image.registry=localhost', '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`],
    ...['--set', 'image.pullPolicy=Never', '--timeout', '5m'],
    ...values,
  ]);
  expect(installed.code, installed.stdout + installed.stderr).toBe(0);
}

/** The running replicas of an app id deployed by the example's chart, reached at their Pod addresses. */
export async function examplePods(cluster: Cluster, namespace: string, appId: string): Promise<ExampleApp[]> {
  const pods = await cluster.kubectlJson<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string; podIP?: string } }[];
  }>(['get', 'pods', '--namespace', namespace, '--selector', `app.kubernetes.io/name=${appId}`]);
  return pods.items
    .filter((pod) => pod.status.phase === 'Running' && pod.status.podIP && !pod.metadata.deletionTimestamp)
    .map((pod) => new ExampleApp(appId, pod.metadata.name, `http://${pod.status.podIP}:8080`));
}

/** The last lines of a log, enough to see why a process stopped or waits. */
function lastLines(log: string, count = 15): string {
  return log.trimEnd().split('\n').slice(-count).join('\n');
}
