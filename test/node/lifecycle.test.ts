import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { seedLock } from '../../hooks/postgresql/seed.js';
import { chartCatalogue } from '../support/catalogue.js';
import { chartCopy, mergeValues, subchartsDir } from '../support/chart.js';
import { platformTables, seededRows, testUsers } from '../support/contract.js';
import {
  deployExample,
  documentedCommands,
  documentedServicesNamespace,
  examplePods,
  publishSteadily,
  untilAllDelivered,
  untilEveryNumber,
  type ExampleApp,
} from '../support/example-service.js';
import { asSuperuser, superuserClient } from '../support/postgresql-server.js';
import {
  createTestTopic,
  expectTopicsAsDeclared,
  produceTestMessages,
  topicFacts,
  untilGroupsConsuming,
  withTestAdmin,
} from '../support/kafka-admin.js';
import {
  ExistingServices,
  existingServicesValues,
  guardDrops,
  machineState,
  managedTlsSources,
  makeLearnflowDatabase,
  nodeAddress,
  pullSecret,
  RealNode,
  releaseNamespace,
  restrictedNamespace,
  setFlags,
  type PrivateRegistry,
} from '../support/node.js';
import { ArgoCd, argoCdReleaseValues, ChartFork, ownValuesFile, type ApplicationStatus } from '../support/argocd.js';
import { ClusterServers } from '../support/cluster-servers.js';
import { ProbePod } from '../support/probe-pod.js';
import type { K8sObject } from '../support/chart.js';
import {
  chartName,
  grownPartitions,
  chatLines,
  deployOnNode,
  loggedWarnings,
  namespace,
  nextVersionChart,
  NodeRelease,
  objectName,
  only,
  podRequestPending,
  pullSecretName,
  reconcileJob,
  releaseName,
  upgradedCatalogue,
  upgradedTopicValues,
  upOnNode,
  writeChatLine,
} from '../support/node-release.js';
import { run } from '../support/process.js';
import { NotYet, until, waitUntil } from '../support/wait.js';

// The whole life cycle on a real node (scripts/harness/node.sh): every hook and check runs in a real Pod
// from the hooks image built here, the Dapr check's sidecar is injected by the real injector, and
// the chart talks to Kafka and PostgreSQL through its "existing services" mode, as a user with a
// managed Kafka or PostgreSQL installs it: the suite's own servers, on the node's address, behind
// Services without selectors (docs/testing.md says why).
//
// What each test starts from. The node, the existing services and the chart copy are the file's
// (beforeAll); Kafka and PostgreSQL keep what every test before made of them. "the chart on a real
// node" is one release's life in steps, in order: each step starts from the release the one before
// left, and, run alone (-t), first installs it (NodeRelease.ensureDeployed). Every install that
// may come after the upgrade declares the upgraded catalogue (upgradedTopicValues), since Kafka
// cannot shrink the topic it grew: that install then does the same whichever tests ran before.
// Every other describe sets up what it needs itself and undoes what would change a later one.

let node: RealNode;
let registry: PrivateRegistry;
let release: NodeRelease;
let machineBefore: Record<string, string>;
let stopped = false;

beforeAll(async () => {
  machineBefore = await machineState();
  node = await RealNode.start();
  // The release's hooks image comes from a registry that wants a login, as a team's own does.
  registry = await node.startRegistry();
  release = await NodeRelease.on(node, { registry });
}, 600_000);

// A failure on a real node is explained by what ran there (the test's own context: two may run at once).
beforeEach((context) => {
  context.onTestFailed(async () => {
    console.log(await node.report(namespace));
  });
});

afterAll(async () => {
  await Promise.allSettled([stopped ? undefined : node?.stop(), release?.services.delete()]);
}, 300_000);

/** The running Dapr sentry's Pod address, the port it serves on, and its metrics port (not one of the Dapr ports). */
async function daprSentry(): Promise<{ address: string; port: number; metricsPort: number }> {
  const { items } = await node.cluster.kubectlJson<{
    items: { status: { podIP: string }; spec: { containers: { ports: { name?: string; containerPort: number }[] }[] } }[];
  }>(['get', 'pods', '--all-namespaces', '--selector', 'app=dapr-sentry', '--field-selector', 'status.phase=Running']);
  const [sentry] = items;
  if (!sentry) throw new Error('no running Dapr sentry Pod on the node');
  const ports = sentry.spec.containers[0]!.ports;
  const metrics = ports.find((port) => port.name === 'metrics');
  if (!metrics) throw new Error("the Dapr sentry has no metrics port (the dapr chart's global.prometheus.enabled)");
  return { address: sentry.status.podIP, port: ports[0]!.containerPort, metricsPort: metrics.containerPort };
}

describe('the node', () => {
  it(
    'keeps Pod traffic on the machine: a packet to an address outside it is dropped by the guard rules',
    { timeout: 120_000 },
    async () => {
      const dropsBefore = await guardDrops();
      const probe = await ProbePod.start(node.cluster, node.baseImage, 'default', { app: 'probe' });
      // An unused Service address: nothing translates it, so it would be routed off the machine.
      expect(await probe.connect('198.19.0.250', 80)).toBe('timed out');
      expect(await guardDrops()).toBeGreaterThan(dropsBefore);
    },
  );
});

describe('the chart on a real node', () => {
  // Steps of one release's life, in order: install; upgrade and roll back; down and up again.
  it(
    'up installs in a restricted namespace, the hooks image pulled from a private registry with a pull Secret: every ' +
      'hook runs in a Pod, helm test passes all three checks, verify passes',
    { timeout: 900_000 },
    async () => {
      // Starts from no release, and Kafka and PostgreSQL as the file's beforeAll made them. The
      // release lists the services namespace docs/services.md makes, for the next step.
      const result = await release.up({ values: (await documentedServicesNamespace(node.cluster)).values });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = only(result, 'result') as unknown as {
        ok: boolean;
        timings: { name: string; ms: number }[];
        verification: { components: { component: string; ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }[] };
      };
      expect(report.ok).toBe(true);
      console.log(
        `on the node, up's phases: ${report.timings.map((timing) => `${timing.name} ${Math.round(timing.ms / 1000)}s`).join(', ')}`,
      );
      const checks = report.verification.components.flatMap((component) =>
        component.checks.map((check) => `${component.component} ${check.name} ${check.ok}`),
      );
      expect(checks).toEqual(
        expect.arrayContaining([
          `kafka helm test ${objectName('kafka-check')} true`,
          `postgresql helm test ${objectName('postgresql-check')} true`,
          `dapr helm test ${objectName('dapr-check')} true`,
          'kafka topics true',
        ]),
      );

      const verified = await release.deploy('verify');
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);

      // The node had no such image: its kubelet pulled it from the registry, with the Secret's login.
      const events = await node.cluster.kubectlJson<{ items: { reason: string; message: string }[] }>([
        'get',
        'events',
        '--namespace',
        namespace,
        '--field-selector',
        'reason=Pulled',
      ]);
      const pulled = events.items.map((event) => event.message);
      expect(
        pulled.filter((message) => message.startsWith(`Successfully pulled image "${registry.hooksImage}"`)),
        pulled.join('\n'),
      ).not.toEqual([]);

      // What the test's own clients find, from outside the cluster.
      await expectTopicsAsDeclared(release.services.kafka.bootstrap, await chartCatalogue(''));
      await release.services.withApp(async (client) => {
        const tables = await client.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE " +
            "TABLE' AND table_name NOT LIKE 'pgmigrations%' AND table_name NOT LIKE 'dapr%' ORDER BY 1",
        );
        expect(tables.rows.map((row) => row.table_name)).toHaveLength(platformTables.length);
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
        expect((await client.query<{ role: string }>('SELECT role FROM users ORDER BY role')).rows.map((row) => row.role)).toEqual(
          testUsers.map((user) => user.role).sort(),
        );
      });
    },
  );

  it(
    'services on the platform, deployed as docs/services.md says: two app ids of two replicas each, one in a namespace of ' +
      "its own and one in the release's; every app id receives every message, its replicas share them; nothing is lost " +
      'when a subscriber Pod is deleted, the broker killed or PostgreSQL restarted mid-stream',
    { timeout: 900_000 },
    async () => {
      // Starts from the release the install left, which lists the page's services namespace.
      const { name: servicesNamespace, values } = await documentedServicesNamespace(node.cluster);
      await release.ensureDeployed(values);

      // The page deploys progress into the services namespace it makes.
      expect((await documentedCommands('deploy-example'))[0]).toContain(servicesNamespace);
      // progress as the page says, in the services namespace; alerts in the release's, the other layout.
      const services = { progress: servicesNamespace, alerts: namespace };
      const topic = 'exercise.graded';
      // The broker's fault has a topic of its own: what each app id received there is counted apart.
      const faultTopic = 'struggle.detected';
      // Undone whatever the outcome, after it, so that a failure here never hides the step's own.
      onTestFinished(async () => {
        for (const [appId, appNamespace] of Object.entries(services))
          await node.cluster.helm(['uninstall', appId, '--namespace', appNamespace, '--wait']);
        // The steps after this one find the catalogue's topics as the hook made them: empty. Kafka
        // keeps what DeleteRecords did in memory until a clean shutdown: a crash (the fault steps
        // kill the broker) would bring the records back, so the broker is restarted cleanly after.
        await withTestAdmin(release.services.kafka.bootstrap, async (admin) => {
          for (const emptied of [topic, faultTopic]) {
            const partitions = await admin.fetchTopicOffsets(emptied);
            await admin.deleteTopicRecords({
              topic: emptied,
              partitions: partitions.map(({ partition }) => ({ partition, offset: '-1' })),
            });
          }
        });
        await release.services.kafka.stop();
        await release.services.kafka.start();
      });
      for (const [appId, appNamespace] of Object.entries(services)) await deployExample(node, appId, appNamespace);
      const apps = Object.fromEntries(
        await Promise.all(
          Object.entries(services).map(
            async ([appId, appNamespace]) => [appId, await examplePods(node.cluster, appNamespace, appId)] as const,
          ),
        ),
      );
      for (const replicas of Object.values(apps)) {
        expect(replicas).toHaveLength(2);
        // Connected as the contract says: PostgreSQL as the services' role, through its namespace's ConfigMap and Secret.
        for (const replica of replicas)
          expect(await replica.ready()).toEqual({ status: 200, body: { curriculumTopics: seededRows.topics, sidecar: true } });
      }
      await untilGroupsConsuming(release.services.kafka.bootstrap, { [`${namespace}.progress`]: 2, [`${namespace}.alerts`]: 2 });

      const count = 200;
      for (let n = 0; n < count; n++) await apps.progress![0]!.publish(topic, { n }, `student-${n % 20}`);
      const perReplica: Record<string, Record<string, number>> = {};
      for (const [appId, replicas] of Object.entries(apps)) {
        const byReplica = await untilEveryNumber(replicas, count);
        perReplica[appId] = Object.fromEntries([...byReplica].map(([name, numbers]) => [name, numbers.length]));
        const [first, second] = [...byReplica.values()];
        expect(first!.length, appId).toBeGreaterThan(0);
        expect(second!.length, appId).toBeGreaterThan(0);
        expect(
          first!.filter((n) => second!.includes(n)),
          `${appId}: each message processed by one replica`,
        ).toEqual([]);
        expect(first!.length + second!.length, `${appId}: no duplicates without a fault`).toBe(count);
      }
      console.log(`on the node, ${count} messages, processed per app id and replica: ${JSON.stringify(perReplica)}`);
      const [event] = await apps.alerts![0]!.processed();
      expect(event).toMatchObject({ topic, source: 'progress', type: 'com.dapr.event.sent' });

      // A subscriber Pod deleted mid-stream: Kubernetes stops its sidecar and app, the Deployment
      // replaces it, the group hands its partitions on. Every acknowledged publish is processed:
      // counted as the distinct events saved in the state store, since a deleted Pod's own record goes with it.
      const postgresql = await release.services.postgres.address();
      // The distinct events an app id saved from a topic: Dapr prefixes each key with the app
      // id, and the example saves the event's topic in the value.
      const saved = (appId: string, from: string) =>
        asSuperuser(
          postgresql,
          async (client) =>
            (
              await client.query<{ count: number }>(
                "SELECT count(*)::int AS count FROM dapr.dapr_state WHERE key LIKE $1 AND value->>'topic' = $2",
                [`${appId}||processed-%`, from],
              )
            ).rows[0]!.count,
          'learnflow',
        );
      expect(await saved('alerts', topic)).toBe(count);
      const [deletedPod, keptPod] = apps.alerts!;
      const publishing = publishSteadily(apps.progress![0]!, topic, count);
      onTestFinished(() => publishing.stop());
      await waitUntil('50 publishes acknowledged before the Pod is deleted', async () => publishing.acknowledged.length >= 50);
      const deleted = await node.cluster.kubectl(['delete', 'pod', deletedPod!.name, '--namespace', namespace, '--wait=false']);
      expect(deleted.code, deleted.stderr).toBe(0);
      await publishing.done;
      expect(publishing.refused).toEqual([]);
      const gone = await node.cluster.kubectl([
        'wait',
        '--for=delete',
        `pod/${deletedPod!.name}`,
        '--namespace',
        namespace,
        '--timeout=120s',
      ]);
      expect(gone.code, gone.stderr).toBe(0);
      // The replacement joins the group, and resumes: it processes its share of what comes next.
      let replacement: ExampleApp | undefined;
      await waitUntil('the replacement Pod running', async () => {
        replacement = (await examplePods(node.cluster, namespace, 'alerts')).find((pod) => pod.name !== keptPod!.name);
        return replacement !== undefined && (await replacement.ready()).status === 200;
      });
      await untilGroupsConsuming(release.services.kafka.bootstrap, { [`${namespace}.alerts`]: 2 });
      const after = publishSteadily(apps.progress![0]!, topic, count);
      onTestFinished(() => after.stop());
      await after.done;
      expect(after.refused).toEqual([]);
      const subscribers = { progress: apps.progress!, alerts: [keptPod!, replacement!] };
      for (const appId of Object.keys(subscribers))
        await waitUntil(`every acknowledged publish processed by ${appId}`, async () => (await saved(appId, topic)) >= 3 * count);
      expect({ progress: await saved('progress', topic), alerts: await saved('alerts', topic) }).toEqual({
        progress: 3 * count,
        alerts: 3 * count,
      });
      expect((await replacement!.processed()).length, 'the replacement took its share').toBeGreaterThan(0);

      // The release's broker killed and restarted mid-stream, on its own topic: every publish the
      // sidecar acknowledged reaches both app ids (duplicates allowed; counted when the last one arrives).
      const { kafka, postgres } = release.services;
      const throughKafka = publishSteadily(apps.progress![0]!, faultTopic, 3000);
      onTestFinished(() => throughKafka.stop());
      await waitUntil('50 publishes acknowledged before the broker is killed', async () => throughKafka.acknowledged.length >= 50);
      await kafka.kill();
      try {
        await waitUntil('a publish refused while the broker is down', async () => throughKafka.refused.length > 0);
      } finally {
        await kafka.start();
      }
      await waitUntil('100 publishes acknowledged after the restart', async () => throughKafka.recovered(100));
      await throughKafka.stop();
      const figures: Record<string, unknown> = { acknowledged: throughKafka.acknowledged.length, refused: throughKafka.refused.length };
      for (const [appId, replicas] of Object.entries(subscribers))
        figures[appId] = await untilAllDelivered(appId, replicas, faultTopic, throughKafka.acknowledged);
      console.log(`on the node, the broker killed and restarted mid-stream: ${JSON.stringify(figures)}`);

      // PostgreSQL stopped mid-stream, until each app id has answered RETRY for an event it could
      // not save; Dapr delivers those again, and once the server is back every acknowledged publish
      // is saved, once, by each app id.
      const throughRestart = publishSteadily(apps.progress![0]!, topic, 3000);
      onTestFinished(() => throughRestart.stop());
      await waitUntil('50 publishes acknowledged before PostgreSQL stops', async () => throughRestart.acknowledged.length >= 50);
      await postgres.stop();
      try {
        await waitUntil('each app id answering RETRY while PostgreSQL is down', async () => {
          for (const [appId, replicas] of Object.entries(subscribers)) {
            const logs = await Promise.all(
              replicas.map((replica) =>
                node.cluster.kubectl(['logs', replica.name, '-c', 'app', '--namespace', services[appId as keyof typeof services]]),
              ),
            );
            if (!logs.some((log) => log.stdout.includes('saving state failed'))) return false;
          }
          return true;
        });
      } finally {
        await postgres.start();
      }
      const atRestart = throughRestart.acknowledged.length;
      await waitUntil('50 publishes acknowledged after the restart', async () => throughRestart.acknowledged.length >= atRestart + 50);
      await throughRestart.stop();
      expect(throughRestart.refused).toEqual([]);
      const expected = 3 * count + throughRestart.acknowledged.length;
      for (const appId of Object.keys(subscribers))
        await waitUntil(`every acknowledged publish saved by ${appId}`, async () => (await saved(appId, topic)) >= expected);
      const savedAfter = { progress: await saved('progress', topic), alerts: await saved('alerts', topic) };
      console.log(
        `on the node, PostgreSQL restarted mid-stream: ${JSON.stringify({ acknowledged: throughRestart.acknowledged.length, savedAfter })}`,
      );
      expect(savedAfter).toEqual({ progress: expected, alerts: expected });

      // The services namespace holds only a service's credentials.
      const copy = await node.cluster.kubectlJson<{ data: Record<string, string> }>([
        ...['get', 'secret', objectName('credentials'), '--namespace', servicesNamespace],
      ]);
      expect(Object.keys(copy.data).sort()).toEqual(['dapr-password', 'services-password']);
    },
  );

  it(
    "a component scoped by hand to other apps: plain helm test fails with the Dapr check's log, naming its app id and the scopes",
    { timeout: 600_000 },
    async () => {
      await release.ensureDeployed();
      const scope = (scopes: string[] | null) =>
        node.cluster.kubectl([
          ...['patch', 'component', 'statestore', '--namespace', namespace],
          ...['--type', 'merge', '--patch', JSON.stringify({ scopes })],
        ]);
      expect((await scope(['orders'])).code).toBe(0);
      try {
        const tested = await node.cluster.helm(['test', releaseName, '--namespace', namespace, '--timeout', '5m']);
        expect(tested.code).not.toBe(0);
        const output = tested.stdout + tested.stderr;
        expect(output).toContain('component(s) statestore not loaded by the sidecar of app id learnflow-check');
        expect(output).toContain("kubectl get component statestore -o jsonpath='{.scopes}'");
      } finally {
        expect((await scope(null)).code).toBe(0);
      }
    },
  );

  it(
    'upgrade: a new topic, more partitions, a dropped topic config, a new migration, a changed seed; data kept, also by a rollback, ' +
      'which leaves topics and migrations as they are: the checks say so',
    { timeout: 900_000 },
    async () => {
      // Starts from the release the install left (installed with the chart's defaults, when run alone).
      await release.ensureDeployed();
      await release.writeChatLine('written before the upgrade');
      const revision = JSON.parse(await release.helmOk('status', releaseName, '--output', 'json')) as { version: number };
      const partitions = () =>
        withTestAdmin(release.services.kafka.bootstrap, async (admin) => {
          const { topics } = await admin.fetchTopicMetadata({ topics: ['struggle.detected'] });
          return topics[0]!.partitions.length;
        });
      const declared = (await chartCatalogue('')).find((topic) => topic.name === 'struggle.detected')!.partitions;
      expect(await partitions()).toBe(declared);

      const next = await nextVersionChart();
      const result = await release.up({
        chart: next.chart,
        values: [...upgradedTopicValues, '--set', 'kafkaTopics.topics.learning\\.hints.partitions=2'],
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      // The credentials Secret already holds every key: the upgrade ran one hook Job, not two.
      const status = JSON.parse(await release.helmOk('status', releaseName, '--output', 'json')) as {
        hooks: { name: string; kind: string; events: string[] }[];
      };
      expect(status.hooks.filter((hook) => hook.kind === 'Job' && !hook.events.includes('test')).map((hook) => hook.name)).toEqual([
        reconcileJob,
      ]);
      await expectTopicsAsDeclared(release.services.kafka.bootstrap, [
        ...(await upgradedCatalogue()),
        { name: 'learning.hints', partitions: 2, replicationFactor: 1, config: { 'min.insync.replicas': '1' } },
      ]);
      await release.services.withApp(async (client) => {
        expect(await release.chatLines()).toEqual(['written before the upgrade']);
        expect((await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [next.table])).rows[0].present).toBe(true);
        expect((await client.query('SELECT description FROM topics WHERE topic_name = $1', [next.topicName])).rows[0].description).toBe(
          next.description,
        );
      });

      await release.helmOk('rollback', releaseName, String(revision.version), '--wait', '--timeout', '10m');
      expect(await release.chatLines()).toEqual(['written before the upgrade']);
      await release.services.withApp(async (client) => {
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
        // No down migration runs: the table the newer version made stays, and so does its record.
        expect((await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [next.table])).rows[0].present).toBe(true);
      });
      // A rollback runs no hook of the chart's (they are install and upgrade hooks): Kafka keeps
      // the partitions, which it cannot take back, and the rolled-back check says so and how to settle it.
      expect(await partitions()).toBe(grownPartitions);
      const test = (check: string) =>
        node.cluster.helm([
          'test',
          releaseName,
          '--namespace',
          namespace,
          '--filter',
          `name=${objectName(check)}`,
          '--logs',
          '--timeout',
          '5m',
        ]);
      const kafka = await test('kafka-check');
      expect(kafka.code, kafka.stdout + kafka.stderr).not.toBe(0);
      expect(kafka.stdout + kafka.stderr).toContain(
        `it has ${grownPartitions} partitions and the catalogue asks for ${declared}: Kafka cannot remove partitions; ` +
          `set partitions to ${grownPartitions} or more`,
      );
      // The older chart's migrations are all applied (the newer one beyond them is not its concern),
      // but a seed row the newer version changed is not what the older seeds say.
      const postgresql = await test('postgresql-check');
      expect(postgresql.code, postgresql.stdout + postgresql.stderr).not.toBe(0);
      expect(postgresql.stdout).toContain('"msg":"migrations: ok"');
      expect(postgresql.stdout).toContain('"msg":"PostgreSQL is not as the chart sets it up: topic');
      expect(postgresql.stdout).toContain(next.description);
      // up has no rollback: with the older chart it upgrades to it, and the hook refuses the partitions.
      const older = await release.up({ values: ['--set', 'hooks.backoffLimit=0'] });
      expect(older.code, older.stdout + older.stderr).toBe(1);
      const error = only(older, 'error') as unknown as { message: string; details: string[] };
      expect(error.message + error.details.join('\n')).toContain(
        `refuse to change struggle.detected: it has ${grownPartitions} partitions`,
      );
    },
  );

  it(
    'down keeps the volumes and the credentials Secret, up reuses them, down --delete-data removes the volumes',
    { timeout: 900_000 },
    async () => {
      // Starts from the release the rollback left (installed with the upgraded catalogue, when run
      // alone), with the chat lines written so far and one of its own.
      await release.ensureDeployed(upgradedTopicValues);
      await release.writeChatLine('written before down');
      const lines = await release.chatLines();
      const passwords = await release.secretData();
      const down = await release.deploy('down');
      expect(down.code, down.stdout + down.stderr).toBe(0);
      const claims = () =>
        node.cluster.kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(['get', 'pvc', '--namespace', namespace]);
      const kept = (await claims()).items;
      expect(kept.map((claim) => claim.metadata.name).sort()).toEqual(
        [0, 1, 2].map((ordinal) => `dapr-scheduler-data-dir-dapr-scheduler-server-${ordinal}`),
      );

      const again = await release.up({ values: upgradedTopicValues });
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await release.secretData()).toEqual(passwords);
      expect((await claims()).items.map((claim) => claim.metadata.uid).sort()).toEqual(kept.map((claim) => claim.metadata.uid).sort());
      expect(await release.chatLines()).toEqual(lines);

      const deleted = await release.deploy('down', '--delete-data', '--yes');
      expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
      expect((await claims()).items).toEqual([]);
      // The Secret was made by the test, as the owner of a managed PostgreSQL makes it (the hook
      // only added the missing keys): a Secret the hooks did not create is never deleted.
      expect(await release.secretData()).toEqual(passwords);
    },
  );
});

describe('faults on real Pods', () => {
  // Each starts from whatever the tests before left (a release or none, the data kept) and runs an
  // install of its own, with the upgraded catalogue; each puts back the server it stops.
  it(
    "Kafka hung under the topic hook's open connection, the hook's Pod deleted, then Kafka crashed: the Job's next Pod " +
      'reconnects and finishes once it is back',
    { timeout: 900_000 },
    async () => {
      const { kafka } = release.services;
      // A suspended broker keeps accepting connections in the kernel and answers nothing: the hook
      // connects, sends its first request and waits. Its Pod is deleted; the Job's next Pod waits
      // the same way; then the broker dies under it.
      await kafka.freeze();
      const install = release.up({ values: upgradedTopicValues });
      try {
        const first = await release.runningHookPod(reconcileJob);
        await podRequestPending(kafka.port, first.address);
        await node.cluster.kubectl(['delete', 'pod', first.name, '--namespace', namespace, '--wait=false']);
        const next = await release.runningHookPod(reconcileJob, [first.name]);
        await podRequestPending(kafka.port, next.address);
      } finally {
        await kafka.kill();
        await kafka.start();
      }
      const result = await install;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await release.hookWarnings('kafka-topics'), 'the topic hook saw the broker go away').not.toEqual([]);
      await expectTopicsAsDeclared(kafka.bootstrap, await upgradedCatalogue());
    },
  );

  it(
    "PostgreSQL gone in the middle of the seed: the seed's transaction is cut off and redone in full once it is back",
    { timeout: 900_000 },
    async () => {
      const { postgres } = release.services;
      // The test holds the seed's advisory lock, so the seed, in its Pod, stops inside its
      // transaction, after the migrations; then the server goes away under it.
      const holder = await release.services.appClient();
      holder.on('error', () => undefined);
      await holder.query('SELECT pg_advisory_lock($1)', [seedLock]);
      const install = release.up({ values: upgradedTopicValues });
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
      expect(await release.hookWarnings('postgresql-seed'), 'the seed saw the server go away').not.toEqual([]);
      await release.services.withApp(async (client) => {
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
        expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(seededRows.users);
      });
    },
  );

  it(
    'a Kafka that never comes up: the topic hook fails within its timeout, up shows its last log lines, and a re-run heals',
    { timeout: 900_000 },
    async () => {
      const nowhere = `nowhere.${namespace}.svc.cluster.local`;
      const started = Date.now();
      const failed = await release.up({
        // One Pod, not the Job's retry too: what is tested is the hook's timeout and up's report of it.
        values: [
          ...upgradedTopicValues,
          ...[
            '--set',
            `kafkaTopics.bootstrapServers=${nowhere}:9092`,
            '--set',
            'hooks.waitTimeoutSeconds=20',
            '--set',
            'hooks.backoffLimit=0',
          ],
        ],
      });
      expect(failed.code, failed.stdout + failed.stderr).toBe(1);
      expect(Date.now() - started).toBeLessThan(240_000);
      const error = only(failed, 'error') as unknown as { message: string; details: string[] };
      expect(error.message + error.details.join('\n')).toContain('topics, migrations and seeds hook');
      expect(error.details.join('\n')).toContain(nowhere);
      const healed = await release.up({ values: upgradedTopicValues });
      expect(healed.code, healed.stdout + healed.stderr).toBe(0);
      await expectTopicsAsDeclared(release.services.kafka.bootstrap, await upgradedCatalogue());
    },
  );
});

describe('two releases in one cluster', () => {
  it(
    'a second release in a namespace of its own, Dapr off, on managed-like services over TLS (Kafka SASL_SSL, ' +
      'PostgreSQL TLS only, both verified by name): topics created, helm test passes; the example in each namespace ' +
      "loads its namespace's components and receives only its own release's messages, one deployed after them too",
    { timeout: 900_000 },
    async () => {
      // Starts from whatever the tests before left: the first release is deployed if it is not, since
      // its Dapr control plane serves the whole cluster. The second (staging beside it) has Kafka and
      // PostgreSQL of its own, as managed services run them: a KRaft broker whose client listener is
      // SASL_SSL, a PostgreSQL that takes TLS only, certificates from a private CA (ExistingServices).
      await release.ensureDeployed(upgradedTopicValues);
      const staging = await NodeRelease.on(node, { namespace: `${namespace}-staging`, tls: true });
      const namespaces = [namespace, staging.namespace];
      const examples = [...namespaces.map((each) => ['progress', each] as const), ['alerts', staging.namespace] as const];
      onTestFailed(async () => {
        console.log(await node.report(staging.namespace));
      });
      onTestFinished(async () => {
        for (const [appId, appNamespace] of examples) await node.cluster.helm(['uninstall', appId, '--namespace', appNamespace, '--wait']);
        await staging.services.delete();
      });
      const result = await staging.up({ values: ['--set', 'dapr.enabled=false'] });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      await expectTopicsAsDeclared(staging.services.kafka.bootstrap, await chartCatalogue(''), staging.services.kafkaLogin);

      // The same app id in both namespaces, each its own consumer group on its own release's Kafka.
      // In staging, the app and its sidecar's state store read the CA the connection ConfigMap names.
      const exampleValues = (appNamespace: string) =>
        appNamespace === staging.namespace ? ['--set-json', `learnflow.postgresqlTlsSources=${JSON.stringify(managedTlsSources)}`] : [];
      for (const appNamespace of namespaces) await deployExample(node, 'progress', appNamespace, exampleValues(appNamespace));
      const apps = await Promise.all(namespaces.map((appNamespace) => examplePods(node.cluster, appNamespace, 'progress')));
      for (const { namespace: groupPrefix, services } of [release, staging])
        await untilGroupsConsuming(services.kafka.bootstrap, { [`${groupPrefix}.progress`]: 2 }, services.kafkaLogin);
      const count = 50;
      for (const [index, replicas] of apps.entries())
        for (let n = 0; n < count; n++) await replicas[0]!.publish('exercise.graded', { n, release: namespaces[index] }, `student-${n}`);
      // A service deployed after the messages were published receives them too (initialOffset: oldest).
      await deployExample(node, 'alerts', staging.namespace, exampleValues(staging.namespace));
      const receivers = [
        { namespace, replicas: apps[0]! },
        { namespace: staging.namespace, replicas: apps[1]! },
        { namespace: staging.namespace, replicas: await examplePods(node.cluster, staging.namespace, 'alerts') },
      ];
      for (const { namespace: appNamespace, replicas } of receivers) {
        // Every number, from its own release only; a late replica's join may bring duplicates.
        await untilEveryNumber(replicas, count);
        const received = (await Promise.all(replicas.map((replica) => replica.processed()))).flat();
        const releases = received.map((event) => (event.data as { release: string }).release);
        expect(new Set(releases), `what ${replicas[0]!.appId} in ${appNamespace} received`).toEqual(new Set([appNamespace]));
      }
      const down = await staging.deploy('down', '--delete-data', '--yes');
      expect(down.code, down.stdout + down.stderr).toBe(0);
    },
  );
});

describe('NetworkPolicies, enforced on the node', () => {
  beforeAll(() => release.ensureDeployed(upgradedTopicValues), 900_000);

  it(
    "the hooks' policy: its Pods reach the Dapr control plane, but not another Pod on a Dapr port; " +
      'nothing reaches them; deleting it opens both ways',
    { timeout: 600_000 },
    async () => {
      const name = objectName('hooks');
      const policy = await node.cluster.kubectlJson<K8sObject>(['get', 'networkpolicy', name, '--namespace', namespace]);
      const { matchLabels } = (policy['spec'] as { podSelector: { matchLabels: Record<string, string> } }).podSelector;
      const sentry = await daprSentry();
      // A Pod as the policy selects the hooks and checks, and one no policy selects, listening on a
      // Dapr port: the hooks may use the port, but only towards the Dapr control plane's Pods.
      const [asHook, other] = await Promise.all([
        ProbePod.start(node.cluster, node.baseImage, namespace, matchLabels),
        ProbePod.start(node.cluster, node.baseImage, namespace, { app: 'probe' }, sentry.port),
      ]);

      await asHook.until('timed out', other.address, other.port);
      await other.until('timed out', asHook.address, asHook.port);
      expect(await asHook.connect(sentry.address, sentry.port), 'a hook Pod to the Dapr sentry').toBe('connected');
      expect(await other.connect(sentry.address, sentry.metricsPort), "an unselected Pod to the Dapr sentry's metrics").toBe('connected');
      expect(await asHook.connect(sentry.address, sentry.metricsPort), "a hook Pod to the Dapr sentry's metrics, not a Dapr port").toBe(
        'timed out',
      );

      // Deleted, it closes nothing; put back as it was, it closes both ways again.
      const deleted = await node.cluster.kubectl(['delete', 'networkpolicy', name, '--namespace', namespace]);
      expect(deleted.code, deleted.stderr).toBe(0);
      const {
        uid: _uid,
        resourceVersion: _version,
        creationTimestamp: _created,
        managedFields: _fields,
        ...metadata
      } = policy.metadata as Record<string, unknown>;
      // Created as it was, labels and Helm's annotations too, without taking over its fields from Helm.
      const putBack = () => node.cluster.kubectl(['create', '-f', '-'], JSON.stringify({ ...policy, metadata }));
      let restored = false;
      onTestFinished(async () => {
        if (restored) return;
        const result = await putBack();
        expect(result.code, `putting back NetworkPolicy ${name}: ${result.stderr}`).toBe(0);
      });
      await asHook.until('connected', other.address, other.port);
      await other.until('connected', asHook.address, asHook.port);
      const created = await putBack();
      expect(created.code, created.stderr).toBe(0);
      restored = true;
      await asHook.until('timed out', other.address, other.port);
      await other.until('timed out', asHook.address, asHook.port);
    },
  );

  it(
    'the canary the node starts with fails, naming the cause, while policies are not enforced, and passes once they are again',
    { timeout: 600_000 },
    async () => {
      const unenforced = await node.withoutEnforcement(() => node.canary());
      expect(unenforced.code, unenforced.stdout + unenforced.stderr).toBe(1);
      // The cause: the Pod the policy selects was reached (the other one may not have been up yet on a loaded machine).
      expect(unenforced.stderr).toMatch(/not enforced: open \S+ \(should connect\), closed connected \(should time out\)/);
      expect(unenforced.stderr).toContain('the NetworkPolicy canary failed');
      const enforced = await node.canary();
      expect(enforced.code, enforced.stdout + enforced.stderr).toBe(0);
    },
  );
});

describe('Kafka and PostgreSQL as StatefulSets of another team in the cluster', () => {
  // A release in a namespace of its own against them, through the existing-services mode; Dapr's
  // control plane is the first release's: one per cluster.
  const other = `${chartName}-incluster`;
  let servers: ClusterServers;

  beforeAll(async () => {
    await release.ensureDeployed(upgradedTopicValues);
    servers = await ClusterServers.start(node, 'learnflow-data');
    await releaseNamespace(node, other, await makeLearnflowDatabase(servers.postgres));
    const result = await upOnNode(node, other, release.chart, [...servers.values(), '--set', 'dapr.enabled=false']);
    expect(result.code, result.stdout + result.stderr + (await node.report(other))).toBe(0);
  }, 1_200_000);

  afterAll(async () => {
    const down = await deployOnNode(node, other, 'down', '--delete-data', '--yes');
    await servers?.delete();
    expect(down.code, down.stdout + down.stderr).toBe(0);
  }, 300_000);

  it(
    "the release's hooks made the topics and tables; the hooks' rules reach their Pods (PostgreSQL on its Pod's port, behind " +
      "its Service's) and no other Pod on those ports",
    { timeout: 600_000 },
    async () => {
      const { kafka, postgres, namespace: serversNamespace } = servers;
      await expectTopicsAsDeclared(kafka, await chartCatalogue(''));
      const tables = await asSuperuser(
        postgres,
        (client) =>
          client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'pgmigrations%'"),
        'learnflow',
      );
      expect(tables.rows[0].n).toBe(platformTables.length);

      // As the hooks' policy selects its Pods, towards the servers' Pods and a decoy beside them on Kafka's port.
      const policy = await node.cluster.kubectlJson<K8sObject>(['get', 'networkpolicy', objectName('hooks'), '--namespace', other]);
      const { matchLabels } = (policy['spec'] as { podSelector: { matchLabels: Record<string, string> } }).podSelector;
      const broker = kafka.split(':')[0]!;
      const [asHook, decoy] = await Promise.all([
        ProbePod.start(node.cluster, node.baseImage, other, matchLabels),
        ProbePod.start(node.cluster, node.baseImage, serversNamespace, { app: 'decoy' }, 9092),
      ]);
      await asHook.until('timed out', decoy.address, decoy.port);
      expect(await asHook.connect(broker, 9092), 'a hook Pod to the Kafka Pod').toBe('connected');
      expect(await asHook.connect(postgres.host, postgres.port), 'a hook Pod to the PostgreSQL Pod').toBe('connected');
      expect(await asHook.connect(broker, postgres.port), "a hook Pod to the Kafka Pod on PostgreSQL's port").toBe('timed out');
      // The rule names the Pod's port, not the Service's: 5432 on PostgreSQL's Pod is dropped, not refused.
      expect(await asHook.connect(postgres.host, 5432), "a hook Pod to the PostgreSQL Pod on its Service's port").toBe('timed out');
    },
  );

  it(
    'both Pods deleted while the reconcile hook runs, and again while helm test runs: the StatefulSets make new Pods on the ' +
      'same volumes, the hook and the checks, cut off, wait for them within their timeouts, and nothing is lost',
    { timeout: 900_000 },
    async () => {
      // What must outlive the Pods: the volumes themselves, the seeds, a chat line and messages of the test's.
      const volumes = await servers.volumeIdentities();
      const kept = 'learnflow-test.kept';
      await createTestTopic(servers.kafka, kept, 3);
      await produceTestMessages(servers.kafka, kept, 100);
      await asSuperuser(servers.postgres, (client) => writeChatLine(client, 'written before the Pods were deleted'), 'learnflow');

      // The seed, in the hook's Pod, waits for its lock, held by the test, when both Pods go.
      const upStarted = Date.now();
      const upgrade = await deletedUnder(servers, { lock: `SELECT pg_advisory_lock(${seedLock})`, waitEvent: 'advisory' }, () =>
        upOnNode(node, other, release.chart, [...servers.values(), '--set', 'dapr.enabled=false']),
      );
      const upSeconds = Math.round((Date.now() - upStarted) / 1000);
      expect(upgrade.code, upgrade.stdout + upgrade.stderr + (await node.report(other))).toBe(0);
      expect(await loggedWarnings(node, other, `job/${reconcileJob}`, 'postgresql-seed'), 'the seed saw the server go').not.toEqual([]);

      // The PostgreSQL check, the last of helm test's (Helm runs them by name), reads the topics, locked by the test.
      const testStarted = Date.now();
      const tested = await deletedUnder(servers, { lock: 'BEGIN; LOCK TABLE topics IN ACCESS EXCLUSIVE MODE', waitEvent: 'relation' }, () =>
        node.cluster.helm(['test', releaseName, '--namespace', other, '--timeout', '10m']),
      );
      const testSeconds = Math.round((Date.now() - testStarted) / 1000);
      expect(tested.code, tested.stdout + tested.stderr + (await node.report(other))).toBe(0);
      expect(await loggedWarnings(node, other, `pod/${objectName('postgresql-check')}`), 'the check saw the server go').not.toEqual([]);

      expect(await servers.volumeIdentities()).toEqual(volumes);
      await withTestAdmin(servers.kafka, async (admin) => expect((await topicFacts(admin, kept)).messages).toBe(100));
      await expectTopicsAsDeclared(servers.kafka, await chartCatalogue(''));
      await asSuperuser(
        servers.postgres,
        async (client) => {
          expect(await chatLines(client)).toEqual(['written before the Pods were deleted']);
          expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
          expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(seededRows.users);
        },
        'learnflow',
      );
      console.log(`on the node, both server Pods deleted: under the hook, up took ${upSeconds}s; under helm test, ${testSeconds}s`);
    },
  );
});

describe('Argo CD on the node', () => {
  // The shipped Applications, pointed at this machine: first the OCI one, at the chart packaged as
  // the release pipeline does and pushed to a registry beside the node; then the git one, at a fork
  // of this checkout, which later commits change. One Application syncs a release into a namespace
  // of its own, on a KRaft broker and a PostgreSQL of its own; Dapr's control plane is the first
  // release's.
  const target = `${chartName}-argocd`;
  const applicationName = 'learnflow-infra';
  let argocd: ArgoCd;
  let services: ExistingServices;
  let fork: ChartFork;
  let ownValues: Record<string, unknown>;

  beforeAll(async () => {
    await release.ensureDeployed(upgradedTopicValues);
    // Side by side; afterAll stops whichever started.
    const [started, argocdStarted] = await Promise.allSettled([
      ExistingServices.start(node, target, { kafkaMode: 'kraft' }),
      ArgoCd.start(node),
    ]);
    if (started.status === 'fulfilled') services = started.value;
    if (argocdStarted.status === 'fulfilled') argocd = argocdStarted.value;
    for (const result of [started, argocdStarted]) if (result.status === 'rejected') throw result.reason;
    ownValues = argoCdReleaseValues(node, services);
    fork = await ChartFork.create(ownValues);
  }, 900_000);

  afterAll(async () => {
    // Its finalizer has Argo CD delete what it made first.
    const deleted = argocd
      ? await node.cluster.kubectl([
          'delete',
          'application',
          applicationName,
          '--namespace',
          'argocd',
          '--ignore-not-found',
          '--timeout=300s',
        ])
      : undefined;
    await Promise.allSettled([services?.delete(), fork?.remove(), node.cluster.kubectl(['delete', 'namespace', target, '--wait=false'])]);
    expect(deleted?.code ?? 0, deleted?.stderr).toBe(0);
  }, 600_000);

  /** The hooks' Jobs and Pods of a sync (their ServiceAccounts and roles are hooks too), with their phase. */
  const syncedHooks = (status: ApplicationStatus) =>
    (status.operationState?.syncResult?.resources ?? [])
      .filter((resource) => resource.hookType && ['Job', 'Pod'].includes(resource.kind))
      .map((resource) => `${resource.hookType} ${resource.kind}/${resource.name} ${resource.hookPhase}`)
      .sort();
  const allHooksSucceeded = [
    `PreSync Job/${objectName('credentials-hook')} Succeeded`,
    `PostSync Job/${objectName('reconcile')} Succeeded`,
    `PostSync Job/${objectName('dapr-check')} Succeeded`,
    `PostSync Pod/${objectName('kafka-check')} Succeeded`,
    `PostSync Pod/${objectName('postgresql-check')} Succeeded`,
  ].sort();
  const credentialsSecret = () => node.cluster.kubectlJson<K8sObject>(['get', 'secret', objectName('credentials'), '--namespace', target]);
  // Commits `change` to the fork and asks for a hard refresh, as a webhook or the UI's Hard Refresh
  // does (Argo CD would otherwise see the commit within 3 minutes); the commit's id.
  const commitAndRefresh = async (message: string, change: (workTree: string) => Promise<void>) => {
    const revision = await fork.commit(message, change);
    await argocd.refresh(applicationName, 'hard');
    return revision;
  };
  // Commits the operator's values with `changes` laid over them; the commit's id.
  const commitValues = async (message: string, changes: Record<string, unknown>, more?: (workTree: string) => Promise<void>) => {
    ownValues = mergeValues(ownValues, changes);
    return commitAndRefresh(message, async (workTree) => {
      await writeFile(join(workTree, ownValuesFile), stringify(ownValues));
      await more?.(workTree);
    });
  };
  const addMigration = (name: string, sql: string) => (workTree: string) => writeFile(join(workTree, 'migrations', name), sql);

  it(
    'the OCI Application, at the chart pushed to a registry, syncs to Synced and Healthy: the credentials hook runs as ' +
      'PreSync, the reconcile Job and the checks as PostSync, in real Pods; the topics and tables are as declared',
    { timeout: 900_000 },
    async () => {
      const chart = await argocd.publishChart();
      await argocd.apply(
        await ArgoCd.shippedApplication(
          'argocd/application-oci.yaml',
          { repoURL: chart.repoURL, targetRevision: chart.version, namespace: target },
          ownValues,
        ),
      );
      const started = Date.now();
      const status = await argocd.untilSynced(applicationName, chart.version);
      expect(syncedHooks(status)).toEqual(allHooksSucceeded);
      await expectTopicsAsDeclared(services.kafka.bootstrap, await chartCatalogue(''));
      await services.withApp(async (client) => {
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
      });
      console.log(`on the node, Argo CD's first sync of the OCI Application: ${Math.round((Date.now() - started) / 1000)}s`);
    },
  );

  it(
    'moved to the git Application (a fork holding the same chart), after a hard refresh it is Synced at once and starts ' +
      'no sync: nothing differs',
    { timeout: 300_000 },
    async () => {
      const lastSynced = (await argocd.status(applicationName)).operationState?.syncResult?.revision;
      const revision = await fork.head();
      await argocd.apply(
        await ArgoCd.shippedApplication('argocd/application-git.yaml', { repoURL: fork.url, targetRevision: 'main', namespace: target }),
      );
      await argocd.refresh(applicationName, 'hard');
      // Automated sync has nothing to do: the last sync is still the registry's chart.
      const compared = await argocd.untilCompared(applicationName, revision);
      expect(compared.sync.status).toBe('Synced');
      expect(compared.operationState?.syncResult?.revision).toBe(lastSynced);
      expect(await argocd.operation(applicationName), 'an operation started').toBeUndefined();
    },
  );

  it(
    "a commit that changes only the hooks (a check's timeout) is synced by itself, through the digest their " +
      'ServiceAccount carries: the hooks run with it; after its hard refresh the sync writes no other object the ' +
      'release holds, and the credentials Secret stays byte-identical',
    { timeout: 900_000 },
    async () => {
      const before = await argocd.resourceVersions(applicationName);
      const secretBefore = await credentialsSecret();
      const started = Date.now();
      const revision = await commitValues("a longer PostgreSQL check's timeout", { tests: { postgresql: { timeoutSeconds: 150 } } });
      const status = await argocd.untilSynced(applicationName, revision, { after: started });
      expect(syncedHooks(status)).toEqual(allHooksSucceeded);
      const after = await argocd.resourceVersions(applicationName);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      const changed = Object.keys(after).filter((key) => after[key] !== before[key]);
      expect(changed).toEqual([`ServiceAccount ${target}/${objectName('hooks')}`]);
      expect(await credentialsSecret()).toEqual(secretBefore);
      const check = await node.cluster.kubectlJson<{ spec: { containers: { env: { name: string; value?: string }[] }[] } }>([
        'get',
        'pod',
        objectName('postgresql-check'),
        '--namespace',
        target,
      ]);
      expect(check.spec.containers[0]!.env).toContainEqual({ name: 'LEARNFLOW_HOOKS_TIMEOUT', value: '150' });
      console.log(`on the node, Argo CD's sync of a commit to the hooks alone: ${Math.round((Date.now() - started) / 1000)}s`);
    },
  );

  it(
    "a commit whose migration breaks the schema services rely on fails the sync at the PostgreSQL check, the check's " +
      'message in the Application; the next commit, which fixes it and adds a topic, more partitions and a migration, ' +
      'is synced by the retry with its hooks, and the messages and rows written before are kept',
    { timeout: 900_000 },
    async () => {
      const grown = 'learning.query';
      const added = 'learning.feedback';
      const partitionsBefore = (await withTestAdmin(services.kafka.bootstrap, (admin) => topicFacts(admin, grown))).partitions;
      await produceTestMessages(services.kafka.bootstrap, grown, 100);
      await services.withApp((client) => writeChatLine(client, 'written before the commits'));

      const started = Date.now();
      const broken = await commitAndRefresh(
        'a migration that renames a column services read',
        addMigration('1790000000000_alerts-level.sql', 'ALTER TABLE struggle_alerts RENAME COLUMN severity TO level;\n'),
      );
      // Both waits within the test's limit, so that a sync that never ends says why.
      const deadline = started + 840_000;
      const failed = await argocd.untilHookFailed(applicationName, broken, deadline - Date.now());
      expect(failed).toMatchObject({ kind: 'Pod', name: objectName('postgresql-check') });
      expect(failed.message).toContain('column struggle_alerts.severity is missing');

      // The shipped retry policy takes the latest revision (retry.refresh): the next commit is the next attempt.
      const fixed = await commitValues(
        'the column back; a topic, more partitions and a migration',
        { kafkaTopics: { topics: { [grown]: { partitions: partitionsBefore + 1 }, [added]: { partitions: 2 } } } },
        async (workTree) => {
          await addMigration(
            '1790000000001_alerts-severity.sql',
            'ALTER TABLE struggle_alerts RENAME COLUMN level TO severity;\n',
          )(workTree);
          await addMigration(
            '1790000000002_topics-estimated-minutes.sql',
            'ALTER TABLE topics ADD COLUMN estimated_minutes integer;\n',
          )(workTree);
        },
      );
      const status = await argocd.untilSynced(applicationName, fixed, { after: started, timeoutMs: deadline - Date.now() });
      expect(syncedHooks(status)).toEqual(allHooksSucceeded);

      expect(await withTestAdmin(services.kafka.bootstrap, (admin) => topicFacts(admin, grown))).toMatchObject({
        partitions: partitionsBefore + 1,
        messages: 100,
      });
      expect(await withTestAdmin(services.kafka.bootstrap, (admin) => topicFacts(admin, added))).toMatchObject({ partitions: 2 });
      await services.withApp(async (client) => {
        expect(await chatLines(client)).toEqual(['written before the commits']);
        const column =
          "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'topics' AND column_name = 'estimated_minutes'";
        expect((await client.query(column)).rows[0].n).toBe(1);
        expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(seededRows.topics);
      });
      console.log(`on the node, a failing commit and the next, fixing it, through Argo CD: ${Math.round((Date.now() - started) / 1000)}s`);
    },
  );

  it('self-heal puts back an object deleted by hand, and runs no hook: it syncs only what drifted', { timeout: 300_000 }, async () => {
    const topicsConfigMap = objectName('kafka-topics');
    const started = Date.now();
    const deleted = await node.cluster.kubectl(['delete', 'configmap', topicsConfigMap, '--namespace', target]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const healed = await until(
      'self-heal to put the ConfigMap back',
      async () => {
        const status = await argocd.status(applicationName);
        const operation = status.operationState;
        if (Date.parse(operation?.startedAt ?? '') < Math.floor(started / 1000) * 1000 || operation?.phase !== 'Succeeded') {
          throw new NotYet(`operation ${operation?.phase ?? 'none'} started ${operation?.startedAt ?? 'never'}`);
        }
        return status;
      },
      { timeoutMs: 240_000 },
    );
    expect(healed.operationState?.syncResult?.resources?.map((resource) => `${resource.kind}/${resource.name}`)).toEqual([
      `ConfigMap/${topicsConfigMap}`,
    ]);
    const present = await node.cluster.kubectl(['get', 'configmap', topicsConfigMap, '--namespace', target]);
    expect(present.code, present.stderr).toBe(0);
  });

  it(
    "Argo CD's ports are its own: no Pod reaches the controller's metrics, no local user but root reaches any of them, " +
      'Redis asks for its password',
    { timeout: 300_000 },
    async () => {
      const ports = node.argocdPorts;
      const probe = await ProbePod.start(node.cluster, node.baseImage, 'default', { app: 'probe' });
      try {
        expect(await probe.connect(nodeAddress, ports['controller_metrics']!)).toBe('timed out');
      } finally {
        await probe.delete();
      }
      const connect = (port: number, user: string[]) =>
        run('setpriv', [...user, 'timeout', '2', 'bash', '-c', `: </dev/tcp/127.0.0.1/${port}`]);
      // Every port at once: each dropped connection waits out its 2 s.
      const results = await Promise.all(
        Object.entries(ports).map(async ([name, port]) => ({
          name,
          root: (await connect(port, [])).code,
          nobody: (await connect(port, ['--reuid=65534', '--regid=65534', '--clear-groups'])).code,
        })),
      );
      for (const { name, root, nobody } of results) {
        expect(root, `root to ${name}`).toBe(0);
        // 124: timeout's code, as a dropped connection ends.
        expect(nobody, `nobody to ${name}`).toBe(124);
      }
      expect((await run('redis-cli', ['-p', String(ports['redis']), 'ping'])).stdout).toContain('NOAUTH');
    },
  );
});

/**
 * Runs `command` while a session of the test's holds a lock (`lock`, SQL) in the release's
 * database; once a session of the hooks program waits for it (`waitEvent`, as pg_stat_activity
 * names it), deletes both servers' Pods, and waits until they are back. The command's result.
 */
async function deletedUnder<T>(
  servers: ClusterServers,
  { lock, waitEvent }: { lock: string; waitEvent: 'advisory' | 'relation' },
  command: () => Promise<T>,
): Promise<T> {
  const holder = superuserClient(servers.postgres, 'learnflow');
  holder.on('error', () => undefined);
  let holderEnded = false;
  holder.once('end', () => (holderEnded = true));
  await holder.connect();
  await holder.query(lock);
  const running = command();
  let settled = false;
  running.then(
    () => (settled = true),
    () => (settled = true),
  );
  try {
    // Asked in a session of its own each time: within the holder's transaction, pg_stat_activity would not change.
    const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'learnflow-hooks' AND wait_event = $1";
    await waitUntil(
      `a session of the hooks program waiting for the test's lock (${waitEvent})`,
      async () => {
        // A command that ended first (a hook that failed, say) never takes the lock: its output says why.
        if (settled) throw new Error(`the command ended before the lock was waited for: ${JSON.stringify(await running)}`);
        return (await asSuperuser(servers.postgres, (client) => client.query<{ n: number }>(waiting, [waitEvent]))).rows[0]!.n === 1;
      },
      240_000,
    );
  } finally {
    await servers.deletePods();
    // The lock is held until PostgreSQL goes: its shutdown ends the holder's session and the hooks
    // program's at once, so the hooks program never gets past the lock before.
    try {
      await waitUntil("PostgreSQL's shutdown to end the holder's session", () => Promise.resolve(holderEnded), 120_000);
    } finally {
      if (!holderEnded) await holder.end().catch(() => undefined);
    }
  }
  await servers.untilBack();
  return running;
}

describe('images that cannot be pulled, on the real node', () => {
  // Dapr's control plane is cluster-wide: the releases of this describe, without it, use the one
  // the chart's release in its own namespace brings, which is deployed first if it is not. Its
  // two tests wait on stalls of their own, at once.
  beforeAll(() => release.ensureDeployed(upgradedTopicValues), 900_000);

  it.concurrent(
    'up with the hooks image in the private registry and a pull Secret whose password is wrong stops within its ' +
      'stall time and names the Secret and the registry server it must match',
    { timeout: 600_000 },
    async () => {
      const denied = `${chartName}-denied`;
      const objects = [restrictedNamespace(denied), pullSecret(pullSecretName, denied, registry, 'not-the-password')];
      const applied = await node.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      expect(applied.code, applied.stderr).toBe(0);
      const values = [...setFlags(existingServicesValues(denied)), '--set', 'dapr.enabled=false'];
      const pull = ['--set', `hooks.imagePullSecrets[0]=${pullSecretName}`, '--stall-seconds', '20'];
      // A tag no Pod pulled: the node has no copy, so the kubelet must log in to the registry.
      const result = await upOnNode(node, denied, release.chart, [...values, ...pull], registry.unpulledHooksImage);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const error = only(result, 'error') as unknown as { message: string; details: string[] };
      const at = error.details.findIndex((line) => line.includes(`cannot pull image ${registry.unpulledHooksImage}`));
      expect(at, error.details.join('\n')).toBeGreaterThanOrEqual(0);
      expect(error.details[at]).toMatch(/401 Unauthorized/);
      expect(error.details[at + 1]).toContain(`refused the credentials of Secret(s) ${pullSecretName}`);
      expect(error.details[at + 1]).toContain(`its server is exactly ${registry.server}`);
      const cleaned = await deployOnNode(node, denied, 'down', '--delete-data', '--yes');
      expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    },
  );

  it.concurrent(
    'up on the default release (the Bitnami charts) stops within its stall time and ' +
      "names the image, the registry's error and the values to change",
    { timeout: 600_000 },
    async () => {
      const subcharts = subchartsDir();
      const other = `${chartName}-pull`;
      const started = Date.now();
      const result = await upOnNode(node, other, await chartCopy({ subcharts }), ['--stall-seconds', '20', '--set', 'dapr.enabled=false']);
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
      const cleaned = await deployOnNode(node, other, 'down', '--delete-data', '--yes');
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
