import { readFileSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type pg from 'pg';
import { parse } from 'yaml';
import type { TopicSpec } from '../../hooks/kafka/catalogue.js';
import { chartCatalogue } from './catalogue.js';
import { chartCopy, daprChartsDir } from './chart.js';
import { runDeploy, type DeployEvent, type DeployResult } from './cli.js';
import { testUsers } from './contract.js';
import type { KafkaMode } from './kafka-server.js';
import { ExistingServices, pullSecret, type PrivateRegistry, type RealNode } from './node.js';
import { repoRoot } from './paths.js';
import { runOk } from './process.js';
import { NotYet, until, waitUntil } from './wait.js';

// The chart's release on the real node (test/node): its names, the installs and the commands the
// tests run on it, and what they read back. The node and the services are test/support/node.ts's.

/** The chart's name, read once from Chart.yaml. */
export const chartName = (parse(readFileSync(join(repoRoot, 'Chart.yaml'), 'utf8')) as { name: string }).name;

/** The release the tests install, and its namespace: both named after the chart, as the deploy command's defaults are. */
export const releaseName = chartName;
export const namespace = chartName;

/**
 * The name of one of the release's objects (templates/_names.tpl): the release's name holds the
 * chart's, so Helm's full name is the release's, and a component's objects are named `<release>-<component>`.
 */
export const objectName = (component: string) => `${releaseName}-${component}`;

/** The reconcile Job (topics, migrations, seeds), whose Pods the fault tests act on. */
export const reconcileJob = objectName('reconcile');

/** The image pull Secret a release whose hooks image is in the private registry names (hooks.imagePullSecrets). */
export const pullSecretName = 'learnflow-registry';

/** struggle.detected's partitions after the upgrade: more than the chart declares. */
export const grownPartitions = 4;

/**
 * The catalogue as the upgrade leaves it, as values: struggle.detected grown to grownPartitions,
 * and exercise.graded without segment.ms (a config key dropped, which the topic hook resets).
 * Kafka keeps a topic's partitions and cannot shrink it: every install that may come after the
 * upgrade declares these, and then does the same whether or not the upgrade ran before it.
 */
export const upgradedTopicValues: readonly string[] = [
  '--set',
  `kafkaTopics.topics.struggle\\.detected.partitions=${grownPartitions}`,
  '--set',
  'kafkaTopics.topics.exercise\\.graded.config.segment\\.ms=null',
];

/** The topics Kafka holds after an install with upgradedTopicValues. */
export async function upgradedCatalogue(): Promise<TopicSpec[]> {
  return (await chartCatalogue('')).map((topic) => {
    if (topic.name === 'struggle.detected') return { ...topic, partitions: grownPartitions };
    if (topic.name !== 'exercise.graded') return topic;
    const { 'segment.ms': _dropped, ...config } = topic.config;
    return { ...topic, config };
  });
}

/**
 * `learnflow-infra up` of a release named releaseName in `namespace` on the node, with the hooks
 * image (the node's own unless `image` names another); `args` after.
 */
export function upOnNode(
  node: RealNode,
  namespace: string,
  chart: string,
  args: readonly string[],
  image = node.hooksImage,
): Promise<DeployResult> {
  return runDeploy(
    ['up', '--chart', chart, '--release', releaseName, '--namespace', namespace, '--image', image, '--output', 'json', ...args],
    node.cluster.kubeconfig,
  );
}

/** Another command of the deploy command (down, verify) on the release named releaseName in `namespace`. */
export function deployOnNode(node: RealNode, namespace: string, ...args: string[]): Promise<DeployResult> {
  return runDeploy([...args, '--release', releaseName, '--namespace', namespace, '--output', 'json'], node.cluster.kubeconfig);
}

/**
 * The chart on the real node: the node, Kafka and PostgreSQL as existing services behind Services
 * in the release's namespace, and a copy of the chart with the dapr chart, which `up` installs.
 */
export class NodeRelease {
  private constructor(
    readonly node: RealNode,
    readonly namespace: string,
    readonly services: ExistingServices,
    /** The chart the installs take unless told otherwise. */
    readonly chart: string,
    /** The private registry the hooks image is pulled from, with the pull Secret pullSecretName, if any. */
    readonly registry: PrivateRegistry | undefined,
  ) {}

  /**
   * Starts the existing services on the node (a broker in `kafkaMode`, or managed-like over TLS
   * with `tls`: ExistingServices) and copies the chart. With a `registry`, the hooks image comes
   * from it, with the login in pullSecretName, as a team with a private registry installs.
   */
  static async on(
    node: RealNode,
    options: { namespace?: string; kafkaMode?: KafkaMode; tls?: boolean; registry?: PrivateRegistry } = {},
  ): Promise<NodeRelease> {
    const releaseNamespace = options.namespace ?? namespace;
    const items = options.registry ? [pullSecret(pullSecretName, releaseNamespace, options.registry)] : [];
    const [services, chart] = await Promise.all([
      ExistingServices.start(node, releaseNamespace, { kafkaMode: options.kafkaMode ?? 'zookeeper', tls: options.tls ?? false, items }),
      chartCopy({ subcharts: daprChartsDir() }),
    ]);
    return new NodeRelease(node, releaseNamespace, services, chart, options.registry);
  }

  /** `learnflow-infra up` of the release, pointed at the existing services, with `values` (--set pairs) after theirs. */
  up(options: { chart?: string; values?: readonly string[] } = {}): Promise<DeployResult> {
    const pull = this.registry ? ['--set', `hooks.imagePullSecrets[0]=${pullSecretName}`] : [];
    return upOnNode(
      this.node,
      this.namespace,
      options.chart ?? this.chart,
      [...this.services.values, ...pull, ...(options.values ?? [])],
      this.registry?.hooksImage,
    );
  }

  /** Another command of the deploy command (down, verify) on the release. */
  deploy(...args: string[]): Promise<DeployResult> {
    return deployOnNode(this.node, this.namespace, ...args);
  }

  /** A helm command in the release's namespace, which must succeed; its output. */
  async helmOk(...args: string[]): Promise<string> {
    const result = await this.node.cluster.helm([...args, '--namespace', this.namespace]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return result.stdout;
  }

  /** Whether Helm holds the release as deployed. */
  async deployed(): Promise<boolean> {
    const result = await this.node.cluster.helm(['status', releaseName, '--namespace', this.namespace, '--output', 'json']);
    return result.code === 0 && (JSON.parse(result.stdout) as { info: { status: string } }).info.status === 'deployed';
  }

  /** A starting state: the release deployed; installed (with `values`) if it is not. */
  async ensureDeployed(values: readonly string[] = []): Promise<void> {
    if (await this.deployed()) return;
    const result = await this.up({ values });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }

  /** The credentials Secret's data. */
  async secretData(): Promise<Record<string, string>> {
    return (
      await this.node.cluster.kubectlJson<{ data: Record<string, string> }>([
        'get',
        'secret',
        objectName('credentials'),
        '--namespace',
        this.namespace,
      ])
    ).data;
  }

  /** The chat lines in the database, oldest first: data the tests write and expect kept. */
  chatLines(): Promise<string[]> {
    return this.services.withApp(chatLines);
  }

  /** Writes a chat line for the seeded test student. */
  async writeChatLine(message: string): Promise<void> {
    await this.services.withApp((client) => writeChatLine(client, message));
  }

  /** The Pods of a hook Job, as the Job controller labels them, with their addresses once they have one. */
  async hookPods(job: string): Promise<{ name: string; phase: string; address: string | undefined }[]> {
    const pods = await this.node.cluster.kubectlJson<{
      items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string; podIP?: string } }[];
    }>(['get', 'pods', '--namespace', this.namespace, '--selector', `job-name=${job}`]);
    return pods.items
      .filter((pod) => !pod.metadata.deletionTimestamp)
      .map((pod) => ({ name: pod.metadata.name, phase: pod.status.phase, address: pod.status.podIP }));
  }

  /** Waits (bounded) until a hook Job has a running Pod not in `seen`; its name and address. */
  runningHookPod(job: string, seen: readonly string[] = []): Promise<{ name: string; address: string }> {
    return until(`a running Pod of Job ${job}`, async () => {
      const running = (await this.hookPods(job)).find((pod) => pod.phase === 'Running' && pod.address && !seen.includes(pod.name));
      if (!running) throw new NotYet('none yet');
      return { name: running.name, address: running.address! };
    });
  }

  /** The warnings a part of the last reconcile Job logged (the program's JSON lines). */
  hookWarnings(part: string): Promise<string[]> {
    return loggedWarnings(this.node, this.namespace, `job/${reconcileJob}`, part);
  }
}

/**
 * The warnings the hooks program logged in a Pod (`pod/<name>`, or `job/<name>` for its Job's),
 * those of one part of a composite command when `part` is given: its retries, among others.
 */
export async function loggedWarnings(node: RealNode, namespace: string, pods: string, part?: string): Promise<string[]> {
  const logs = await node.cluster.kubectl(['logs', pods, '--namespace', namespace]);
  expect(logs.code, logs.stderr).toBe(0);
  return logs.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; part?: string; msg: string })
    .filter((line) => line.level === 'warn' && (part === undefined || line.part === part))
    .map((line) => line.msg);
}

/** The chat lines in a release's database, oldest first: data the tests write and expect kept. */
export async function chatLines(client: pg.ClientBase): Promise<string[]> {
  return (await client.query<{ message: string }>('SELECT message FROM chat_history ORDER BY created_at')).rows.map((row) => row.message);
}

/** Writes a chat line for the seeded test student into a release's database. */
export async function writeChatLine(client: pg.ClientBase, message: string): Promise<void> {
  const student = testUsers.find((user) => user.role === 'student')!;
  await client.query(
    'INSERT INTO chat_history (student_id, session_id, message_type, message) SELECT s.id, gen_random_uuid(), ' +
      "'student', $1::text FROM students s JOIN users u ON u.id = s.user_id WHERE u.email = $2",
    [message, student.email],
  );
}

/** The one event of a kind the deploy command printed. */
export function only(result: DeployResult, event: string): DeployEvent {
  const found = result.events.filter((entry) => entry.event === event);
  expect(found, `${event} events in:\n${result.stdout}\n${result.stderr}`).toHaveLength(1);
  return found[0]!;
}

/**
 * Waits (bounded) until the request of the Pod at `podAddress` to `port` on the node's address
 * waits unanswered: bytes in the server side's receive queue, as a suspended broker leaves them.
 */
export async function podRequestPending(port: number, podAddress: string): Promise<void> {
  await waitUntil(`a request of the Pod at ${podAddress} pending on port ${port}`, async () => {
    // Columns: Recv-Q Send-Q Local:Port Peer:Port.
    const { stdout } = await runOk('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .some(([received, , , peer]) => {
        // ss writes an IPv4 peer of a dual-stack socket as [::ffff:198.18.0.12]:45678.
        const address = (peer ?? '').replace(/^\[::ffff:([\d.]+)\]/, '$1');
        return Number(received) > 0 && address.startsWith(`${podAddress}:`);
      });
  });
}

/** What the next version changes: the table its migration adds, and the seed topic it describes anew. */
export interface NextVersion {
  chart: string;
  table: string;
  topicName: string;
  description: string;
}

/** The chart with one more migration and one seed topic described anew, as a later version would ship. */
export async function nextVersionChart(): Promise<NextVersion> {
  const next = await chartCopy({ subcharts: daprChartsDir() });
  for (const folder of ['migrations', 'seeds']) {
    await rm(join(next, folder));
    await cp(join(repoRoot, folder), join(next, folder), { recursive: true });
  }
  await writeFile(
    join(next, 'migrations', '1790000000000_topic-hints.sql'),
    '-- Up Migration\nCREATE TABLE topic_hints (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), ' +
      'hint text NOT NULL);\n\n-- Down Migration\nDROP TABLE topic_hints;\n',
  );
  const seeds = JSON.parse(await readFile(join(next, 'seeds', 'topics.json'), 'utf8')) as {
    topics: { topicName: string; description: string }[];
  };
  const topic = seeds.topics[0]!;
  topic.description = 'Described anew by the next version.';
  await writeFile(join(next, 'seeds', 'topics.json'), JSON.stringify(seeds, null, 2));
  return { chart: next, table: 'topic_hints', topicName: topic.topicName, description: topic.description };
}
