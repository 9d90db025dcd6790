import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { chartCatalogue } from '../support/catalogue.js';
import { chartCopy, daprChartsDir } from '../support/chart.js';
import { runDeploy, type DeployEvent, type DeployResult } from '../support/cli.js';
import { expectTopicsAsDeclared } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { nodeAddress, RealNode } from '../support/node.js';
import { asSuperuser, PostgresServer, type PostgresAddress } from '../support/postgres-server.js';

// The whole life cycle on a real node (scripts/node.sh): every hook and check runs in a real Pod
// from the hooks image built here, the Dapr check's sidecar is injected by the real injector, and
// the chart talks to Kafka and PostgreSQL through its "existing services" mode, as a user with a
// managed Kafka or PostgreSQL installs it: the suite's own servers, on the node's address, behind
// Services without selectors (docs/testing.md says why).

const namespace = 'learnflow';
let node: RealNode;
let kafka: KafkaServer;
let postgres: PostgresServer;
let postgresAddress: PostgresAddress;
let chart: string;
const appPassword = randomBytes(18).toString('base64url');

beforeAll(async () => {
  // The servers listen on the node's address, which exists once the node has started.
  node = await RealNode.start();
  [kafka, postgres, chart] = await Promise.all([
    KafkaServer.start('node', 'zookeeper', nodeAddress),
    PostgresServer.start('node', nodeAddress),
    chartCopy({ subcharts: daprChartsDir() }),
  ]);
  postgresAddress = await postgres.address();
  // What the platform team of a managed PostgreSQL hands over: a database and its owner.
  await asSuperuser(postgresAddress, async (client) => {
    await client.query(`CREATE ROLE learnflow LOGIN PASSWORD '${appPassword}'`);
    await client.query('CREATE DATABASE learnflow OWNER learnflow');
  });
  await node.cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: existingServices() }));
}, 600_000);

// A failure on a real node is explained by what ran there.
beforeEach(() => {
  onTestFailed(async () => {
    console.log(await node.report(namespace));
  });
});

afterAll(async () => {
  await Promise.allSettled([node?.stop(), kafka?.delete(), postgres?.delete()]);
}, 300_000);

/** The namespace (restricted Pod Security enforced), Kafka's and PostgreSQL's Services, and the app password. */
function existingServices(): object[] {
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
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
    },
    ...external('kafka', 9092, kafka.port),
    ...external('postgresql', 5432, postgres.port),
    // The credentials Secret as the chart names it, holding the one password the database was
    // given; the credentials hook adds the keys that are missing (the test users').
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'learnflow-credentials', namespace }, stringData: { password: appPassword } },
  ];
}

const existingServicesValues = [
  '--set', 'kafka.enabled=false',
  '--set', 'postgresql.enabled=false',
  '--set', `kafkaTopics.bootstrapServers=kafka.${namespace}.svc.cluster.local:9092`,
  '--set', `database.host=postgresql.${namespace}.svc.cluster.local`,
];

function up(...args: string[]): Promise<DeployResult> {
  return runDeploy(['up', '--chart', chart, '--namespace', namespace, '--image', node.hooksImage, '--output', 'json', ...existingServicesValues, ...args], node.cluster.kubeconfig);
}

function only(result: DeployResult, event: string): DeployEvent {
  const found = result.events.filter((entry) => entry.event === event);
  expect(found, `${event} events in:\n${result.stdout}\n${result.stderr}`).toHaveLength(1);
  return found[0]!;
}

async function withApp<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: postgres.host, port: postgres.port, user: 'learnflow', password: appPassword, database: 'learnflow' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('the chart on a real node', () => {
  it('up installs in a restricted namespace: every hook runs in a Pod, helm test passes all three checks, verify passes', { timeout: 900_000 }, async () => {
    const result = await up();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = only(result, 'result') as unknown as { ok: boolean; verification: { components: { component: string; ok: boolean; checks: { name: string; ok: boolean; detail: string }[] }[] } };
    expect(report.ok).toBe(true);
    const checks = report.verification.components.flatMap((component) => component.checks.map((check) => `${component.component} ${check.name} ${check.ok}`));
    expect(checks).toEqual(expect.arrayContaining([
      'kafka helm test learnflow-kafka-check true',
      'postgresql helm test learnflow-postgres-check true',
      'dapr helm test learnflow-dapr-check true',
    ]));

    const verified = await runDeploy(['verify', '--namespace', namespace, '--json'], node.cluster.kubeconfig);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // What the test's own clients find, from outside the cluster.
    await expectTopicsAsDeclared(kafka.bootstrap, await chartCatalogue(''));
    await withApp(async (client) => {
      const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'pgmigrations%' AND table_name NOT LIKE 'dapr%' ORDER BY 1");
      expect(tables.rows.map((row) => row.table_name)).toHaveLength(9);
      expect((await client.query('SELECT count(*)::int AS n FROM topics')).rows[0].n).toBe(24);
      expect((await client.query<{ role: string }>('SELECT role FROM users ORDER BY role')).rows.map((row) => row.role)).toEqual(['admin', 'student', 'teacher']);
    });
  });
});
