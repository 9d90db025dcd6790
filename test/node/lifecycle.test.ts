import { randomBytes } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { chartCatalogue } from '../support/catalogue.js';
import { chartCopy, daprChartsDir, subchartsDir } from '../support/chart.js';
import { repoRoot } from '../support/paths.js';
import { runDeploy, type DeployEvent, type DeployResult } from '../support/cli.js';
import { expectTopicsAsDeclared } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { ExistingServices, guardDrops, machineState, nodeAddress, podAddressPrefix, RealNode } from '../support/node.js';
import { runOk } from '../support/process.js';
import { NotYet, until, waitUntil } from '../support/wait.js';
import { seedLock } from '../../hooks/postgresql/seed.js';
import type { PostgresqlServer } from '../support/postgresql-server.js';

// The whole life cycle on a real node (scripts/node.sh): every hook and check runs in a real Pod
// from the hooks image built here, the Dapr check's sidecar is injected by the real injector, and
// the chart talks to Kafka and PostgreSQL through its "existing services" mode, as a user with a
// managed Kafka or PostgreSQL installs it: the suite's own servers, on the node's address, behind
// Services without selectors (docs/testing.md says why).

const namespace = 'learnflow';
let node: RealNode;
let services: ExistingServices;
let kafka: KafkaServer;
let postgres: PostgresqlServer;
let chart: string;
let machineBefore: Record<string, string>;
let stopped = false;

beforeAll(async () => {
  machineBefore = await machineState();
  node = await RealNode.start();
  [services, chart] = await Promise.all([ExistingServices.start(node, namespace), chartCopy({ subcharts: daprChartsDir() })]);
  ({ kafka, postgres } = services);
}, 600_000);

// A failure on a real node is explained by what ran there.
beforeEach(() => {
  onTestFailed(async () => {
    console.log(await node.report(namespace));
  });
});

afterAll(async () => {
  await Promise.allSettled([stopped ? undefined : node?.stop(), services?.delete()]);
}, 300_000);

function up(...args: string[]): Promise<DeployResult> {
  return upChart(chart, ...args);
}

function upChart(from: string, ...args: string[]): Promise<DeployResult> {
  return runDeploy(
    [
      'up',
      '--chart',
      from,
      '--namespace',
      namespace,
      '--image',
      node.hooksImage,
      '--output',
      'json',
      ...services.values,
      ...upgraded,
      ...args,
    ],
    node.cluster.kubeconfig,
  );
}

/**
 * What the upgrade below changes for good: Kafka cannot shrink a topic, so every later install
 * declares the grown one so; and a config key dropped from a topic, which the topic hook resets.
 */
let upgraded: string[] = [];
const grownPartitions = 4;

/** The catalogue as the cluster should now hold it. */
async function declaredTopics() {
  const topics = await chartCatalogue('');
  if (upgraded.length === 0) return topics;
  return topics.map((topic) => {
    if (topic.name === 'struggle.detected') return { ...topic, partitions: grownPartitions };
    if (topic.name !== 'exercise.graded') return topic;
    const { 'segment.ms': _dropped, ...config } = topic.config;
    return { ...topic, config };
  });
}

function deploy(...args: string[]): Promise<DeployResult> {
  return runDeploy([...args, '--namespace', namespace, '--output', 'json'], node.cluster.kubeconfig);
}

/** The chart with one more migration and one seed topic described anew, as a later version would ship. */
async function nextVersionChart(): Promise<string> {
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
  seeds.topics[0]!.description = 'Described anew by the next version.';
  await writeFile(join(next, 'seeds', 'topics.json'), JSON.stringify(seeds, null, 2));
  return next;
}

async function helmOk(...args: string[]): Promise<string> {
  const result = await node.cluster.helm([...args, '--namespace', namespace]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

async function secretData(): Promise<Record<string, string>> {
  return (
    await node.cluster.kubectlJson<{ data: Record<string, string> }>(['get', 'secret', 'learnflow-credentials', '--namespace', namespace])
  ).data;
}

const chatLines = 'SELECT message FROM chat_history ORDER BY created_at';

function only(result: DeployResult, event: string): DeployEvent {
  const found = result.events.filter((entry) => entry.event === event);
  expect(found, `${event} events in:\n${result.stdout}\n${result.stderr}`).toHaveLength(1);
  return found[0]!;
}

describe('the node', () => {
  it(
    'keeps Pod traffic on the machine: a packet to an address outside it is dropped by the guard rules',
    { timeout: 120_000 },
    async () => {
      const dropsBefore = await guardDrops();
      // An unused Service address: nothing translates it, so it would be routed off the machine.
      const probe = [
        "require('net').connect({host:'198.19.0.250',port:80,timeout:3000})",
        ".on('timeout',()=>{console.log('timeout');process.exit(0)})",
        ".on('connect',()=>{console.log('connected');process.exit(1)})",
        ".on('error',(e)=>{console.log(e.code);process.exit(1)})",
      ].join('');
      const name = `probe-${randomBytes(3).toString('hex')}`;
      const created = await node.cluster.kubectl([
        'run',
        name,
        '--namespace',
        'default',
        '--image',
        `localhost/learnflow/node-base:${process.versions.node}`,
        '--image-pull-policy',
        'Never',
        '--restart',
        'Never',
        '--command',
        '--',
        'node',
        '-e',
        probe,
      ]);
      expect(created.code, created.stderr).toBe(0);
      const done = await node.cluster.kubectl([
        'wait',
        '--namespace',
        'default',
        `pod/${name}`,
        '--for',
        'jsonpath={.status.phase}=Succeeded',
        '--timeout',
        '90s',
      ]);
      expect(done.code, done.stderr + (await node.cluster.kubectl(['logs', '--namespace', 'default', name])).stdout).toBe(0);
      expect((await node.cluster.kubectl(['logs', '--namespace', 'default', name])).stdout.trim()).toBe('timeout');
      expect(await guardDrops()).toBeGreaterThan(dropsBefore);
    },
  );
});

describe('the chart on a real node', () => {
  it(
    'up installs in a restricted namespace: every hook runs in a Pod, helm test passes all three checks, verify passes',
    { timeout: 900_000 },
    async () => {
      const result = await up();
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = only(result, 'result') as unknown as {
        ok: boolean;
        verification: { components: { component: string; ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }[] };
      };
      expect(report.ok).toBe(true);
      const checks = report.verification.components.flatMap((component) =>
        component.checks.map((check) => `${component.component} ${check.name} ${check.ok}`),
      );
      expect(checks).toEqual(
        expect.arrayContaining([
          'kafka helm test learnflow-kafka-check true',
          'postgresql helm test learnflow-postgresql-check true',
          'dapr helm test learnflow-dapr-check true',
          'kafka topics true',
        ]),
      );

      const verified = await runDeploy(['verify', '--namespace', namespace, '--json'], node.cluster.kubeconfig);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);

      // What the test's own clients find, from outside the cluster.
      await expectTopicsAsDeclared(kafka.bootstrap, await chartCatalogue(''));
      await services.withApp(async (client) => {
        const tables = await client.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE " +
            "TABLE' AND table_name NOT LIKE 'pgmigrations%' AND table_name NOT LIKE 'dapr%' ORDER BY 1",
        );
        expect(tables.rows.map((row) => row.table_name)).toHaveLength(9);
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(24);
        expect((await client.query<{ role: string }>('SELECT role FROM users ORDER BY role')).rows.map((row) => row.role)).toEqual([
          'admin',
          'student',
          'teacher',
        ]);
      });
    },
  );

  it(
    'upgrade: a new topic, more partitions, a dropped topic config, a new migration, a changed seed; data kept, also by a rollback',
    { timeout: 900_000 },
    async () => {
      await services.withApp((client) =>
        client.query(
          'INSERT INTO chat_history (student_id, session_id, message_type, message) SELECT s.id, gen_random_uuid(), ' +
            "'student', 'written before the upgrade' FROM students s JOIN users u ON " +
            "u.id = s.user_id WHERE u.email = 'student@learnflow.com'",
        ),
      );
      const revision = JSON.parse(await helmOk('status', 'learnflow', '--output', 'json')) as { version: number };

      upgraded = [
        '--set',
        `kafkaTopics.topics.struggle\\.detected.partitions=${grownPartitions}`,
        '--set',
        'kafkaTopics.topics.exercise\\.graded.config.segment\\.ms=null',
      ];
      const result = await upChart(await nextVersionChart(), '--set', 'kafkaTopics.topics.learning\\.hints.partitions=2');
      expect(result.code, result.stdout + result.stderr).toBe(0);
      // The credentials Secret already holds every key: the upgrade ran one hook Job, not two.
      const status = JSON.parse(await helmOk('status', 'learnflow', '--output', 'json')) as {
        hooks: { name: string; kind: string; events: string[] }[];
      };
      expect(status.hooks.filter((hook) => hook.kind === 'Job' && !hook.events.includes('test')).map((hook) => hook.name)).toEqual([
        'learnflow-reconcile',
      ]);
      await expectTopicsAsDeclared(kafka.bootstrap, [
        ...(await declaredTopics()),
        { name: 'learning.hints', partitions: 2, replicationFactor: 1, config: { 'min.insync.replicas': '1' } },
      ]);
      await services.withApp(async (client) => {
        expect((await client.query(chatLines)).rows).toEqual([{ message: 'written before the upgrade' }]);
        expect((await client.query("SELECT to_regclass('topic_hints') IS NOT NULL AS present")).rows[0].present).toBe(true);
        expect(
          (await client.query("SELECT description FROM topics WHERE topic_name = 'Variables and Data Types'")).rows[0].description,
        ).toBe('Described anew by the next version.');
      });

      await helmOk('rollback', 'learnflow', String(revision.version), '--wait', '--timeout', '10m');
      await services.withApp(async (client) => {
        expect((await client.query(chatLines)).rows).toEqual([{ message: 'written before the upgrade' }]);
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(24);
      });
    },
  );

  it(
    'down keeps the volumes and the credentials Secret, up reuses them, down --delete-data removes the volumes',
    { timeout: 900_000 },
    async () => {
      const passwords = await secretData();
      const down = await deploy('down');
      expect(down.code, down.stdout + down.stderr).toBe(0);
      const claims = () =>
        node.cluster.kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(['get', 'pvc', '--namespace', namespace]);
      const kept = (await claims()).items;
      expect(kept.map((claim) => claim.metadata.name).sort()).toEqual(
        [0, 1, 2].map((ordinal) => `dapr-scheduler-data-dir-dapr-scheduler-server-${ordinal}`),
      );

      const again = await up();
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await secretData()).toEqual(passwords);
      expect((await claims()).items.map((claim) => claim.metadata.uid).sort()).toEqual(kept.map((claim) => claim.metadata.uid).sort());
      await services.withApp(async (client) =>
        expect((await client.query(chatLines)).rows).toEqual([{ message: 'written before the upgrade' }]),
      );

      const deleted = await deploy('down', '--delete-data', '--yes');
      expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
      expect((await claims()).items).toEqual([]);
      // The Secret was made by the test, as the owner of a managed PostgreSQL makes it (the hook
      // only added the missing keys): a Secret the hooks did not create is never deleted.
      expect(await secretData()).toEqual(passwords);
    },
  );
});

/** The Pods of a hook Job, as the Job controller labels them. */
async function hookPods(job: string): Promise<{ name: string; phase: string }[]> {
  const pods = await node.cluster.kubectlJson<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string } }[];
  }>(['get', 'pods', '--namespace', namespace, '--selector', `job-name=${job}`]);
  return pods.items.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => ({ name: pod.metadata.name, phase: pod.status.phase }));
}

/** Waits (bounded) until a hook Job has a running Pod not in `seen`, and returns its name. */
function runningHookPod(job: string, seen: readonly string[] = []): Promise<string> {
  return until(`a running Pod of Job ${job}`, async () => {
    const running = (await hookPods(job)).find((pod) => pod.phase === 'Running' && !seen.includes(pod.name));
    if (!running) throw new NotYet('none yet');
    return running.name;
  });
}

/**
 * Waits (bounded) until a Pod's request to `port` on the node's address waits unanswered: bytes
 * in the server side's receive queue, as a suspended broker leaves them.
 */
async function podRequestPending(port: number): Promise<void> {
  await waitUntil(`a Pod's request pending on port ${port}`, async () => {
    // Columns: Recv-Q Send-Q Local:Port Peer:Port.
    const { stdout } = await runOk('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .some(([received, , , peer]) => {
        // ss writes an IPv4 peer of a dual-stack socket as [::ffff:198.18.0.12]:45678.
        const address = (peer ?? '').replace(/^\[::ffff:([\d.]+)\]/, '$1');
        return Number(received) > 0 && address.startsWith(podAddressPrefix) && !address.startsWith(`${nodeAddress}:`);
      });
  });
}

/** The warnings a part of the last reconcile Job logged (the program's JSON lines). */
async function hookWarnings(part: string): Promise<string[]> {
  const logs = await node.cluster.kubectl(['logs', 'job/learnflow-reconcile', '--namespace', namespace]);
  expect(logs.code, logs.stderr).toBe(0);
  return logs.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; part?: string; msg: string })
    .filter((line) => line.level === 'warn' && line.part === part)
    .map((line) => line.msg);
}

describe('faults on real Pods', () => {
  it(
    "Kafka gone while the topic hook waits, and the hook's Pod deleted: the Job's next Pod finishes once Kafka is back",
    { timeout: 900_000 },
    async () => {
      await kafka.stop();
      const install = up();
      const first = await runningHookPod('learnflow-reconcile');
      await node.cluster.kubectl(['delete', 'pod', first, '--namespace', namespace, '--wait=false']);
      await runningHookPod('learnflow-reconcile', [first]);
      await kafka.start();
      const result = await install;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await expectTopicsAsDeclared(kafka.bootstrap, await declaredTopics());
    },
  );

  it(
    "Kafka hung, then crashed, under the topic hook's open connection: the hook reconnects and finishes once it is back",
    { timeout: 900_000 },
    async () => {
      // A suspended broker keeps accepting connections in the kernel and answers nothing: the hook
      // connects, sends its first request and waits. Then the broker dies under it.
      await kafka.freeze();
      const install = up();
      try {
        await podRequestPending(kafka.port);
      } finally {
        await kafka.kill();
        await kafka.start();
      }
      const result = await install;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await hookWarnings('kafka-topics'), 'the topic hook saw the broker go away').not.toEqual([]);
      await expectTopicsAsDeclared(kafka.bootstrap, await declaredTopics());
    },
  );

  it(
    "PostgreSQL gone in the middle of the seed: the seed's transaction is cut off and redone in full once it is back",
    { timeout: 900_000 },
    async () => {
      // The test holds the seed's advisory lock, so the seed, in its Pod, stops inside its
      // transaction, after the migrations; then the server goes away under it.
      const holder = await services.appClient();
      holder.on('error', () => undefined);
      await holder.query('SELECT pg_advisory_lock($1)', [seedLock]);
      const install = up();
      const waiting =
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'learnflow-hooks' AND wait_event = 'advisory'";
      try {
        await waitUntil('the seed waiting for its lock', async () => (await holder.query<{ n: number }>(waiting)).rows[0]!.n === 1);
      } finally {
        await postgres.stop();
        await holder.end().catch(() => undefined);
        await postgres.start();
      }
      const result = await install;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await hookWarnings('postgresql-seed'), 'the seed saw the server go away').not.toEqual([]);
      await services.withApp(async (client) => {
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(24);
        expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(3);
      });
    },
  );

  it(
    'a Kafka that never comes up: the topic hook fails within its timeout, up shows its last log lines, and a re-run heals',
    { timeout: 900_000 },
    async () => {
      const nowhere = [
        '--set',
        `kafkaTopics.bootstrapServers=nowhere.${namespace}.svc.cluster.local:9092`,
        '--set',
        'hooks.waitTimeoutSeconds=20',
      ];
      const started = Date.now();
      const failed = await up(...nowhere);
      expect(failed.code, failed.stdout + failed.stderr).toBe(1);
      expect(Date.now() - started).toBeLessThan(240_000);
      const error = only(failed, 'error') as unknown as { message: string; details: string[] };
      expect(error.message + error.details.join('\n')).toContain('topics, migrations and seeds hook');
      expect(error.details.join('\n')).toMatch(/nowhere\.learnflow\.svc\.cluster\.local/);
      const healed = await up();
      expect(healed.code, healed.stdout + healed.stderr).toBe(0);
      await expectTopicsAsDeclared(kafka.bootstrap, await declaredTopics());
    },
  );
});

describe('Kafka in KRaft mode', () => {
  it('the same release on a KRaft broker: topics created, helm test passes', { timeout: 900_000 }, async () => {
    const kraft = await KafkaServer.start('node', 'kraft', nodeAddress);
    try {
      // The kafka Service now leads to the KRaft broker, as a managed Kafka moved to KRaft would.
      const patched = await node.cluster.kubectl([
        'patch',
        'endpointslice',
        'kafka-host',
        '--namespace',
        namespace,
        '--type',
        'json',
        '--patch',
        JSON.stringify([{ op: 'replace', path: '/ports/0/port', value: kraft.port }]),
      ]);
      expect(patched.code, patched.stderr).toBe(0);
      const result = await up();
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await expectTopicsAsDeclared(kraft.bootstrap, await declaredTopics());
    } finally {
      await kraft.delete();
    }
  });
});

describe('images that cannot be pulled, on the real node', () => {
  it(
    'up on the default release (the Bitnami charts) stops within its stall time and ' +
      "names the image, the registry's error and the values to change",
    { timeout: 600_000 },
    async () => {
      const subcharts = subchartsDir();
      const other = 'learnflow-pull';
      // Dapr's control plane is cluster-wide and the release above brought it: this one uses it.
      const started = Date.now();
      const result = await runDeploy(
        [
          'up',
          '--chart',
          await chartCopy({ subcharts }),
          '--namespace',
          other,
          '--image',
          node.hooksImage,
          '--output',
          'json',
          '--stall-seconds',
          '20',
          '--set',
          'dapr.enabled=false',
        ],
        node.cluster.kubeconfig,
      );
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(Date.now() - started).toBeLessThan(300_000);
      const error = only(result, 'error') as unknown as { message: string; fix: string; details: string[] };
      expect(error.message).toMatch(/^the release cannot become ready: \d+ problem\(s\) lasted 20s$/);
      // Whichever of the Bitnami Pods stalls first stops up: each one listed names its image, the
      // registry's error (the node's registry mirror is a closed port) and the values to change.
      const imageValue = { kafka: 'kafka.image', zookeeper: 'kafka.zookeeper.image', postgresql: 'postgresql.image' } as const;
      const pulls = error.details.flatMap((line, index) => {
        const found = /\(Pod [\w-]+\) cannot pull image docker\.io\/bitnamilegacy\/(kafka|zookeeper|postgresql):/.exec(line);
        return found ? [{ line, image: found[1] as keyof typeof imageValue, fix: error.details[index + 1] ?? '' }] : [];
      });
      expect(pulls, error.details.join('\n')).not.toEqual([]);
      for (const pull of pulls) {
        expect(pull.line).toContain('127.0.0.1:9');
        expect(pull.fix).toContain(`${imageValue[pull.image]} (registry, repository, tag)`);
        expect(pull.fix).toContain('global.imageRegistry');
        expect(pull.fix).toContain('learnflow-infra images');
      }
      const cleaned = await runDeploy(
        ['down', '--namespace', other, '--delete-data', '--yes', '--output', 'json'],
        node.cluster.kubeconfig,
      );
      expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    },
  );
});

describe('stopping the node', () => {
  it('restores the machine as it was: links, rules, kernel settings, mounts and folders', { timeout: 300_000 }, async () => {
    await node.stop();
    stopped = true;
    expect(await machineState()).toEqual(machineBefore);
  });
});
