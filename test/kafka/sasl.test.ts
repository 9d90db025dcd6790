import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { find, render } from '../support/chart.js';
import { writeCatalogue, chartCatalogue } from '../support/catalogue.js';
import { failure, runCli } from '../support/cli.js';
import { Daprd } from '../support/daprd.js';
import { KafkaServer } from '../support/kafka-server.js';
import { runContainer, type PodSpec } from '../support/pod.js';
import { freePorts } from '../support/ports.js';
import { freshDatabase, madeDaprStore } from '../support/postgresql-server.js';
import { reconcileApiAccess } from '../support/hook-account.js';

// Kafka with SASL/SCRAM, as profiles/kafka-sasl.yaml configures it: a real KRaft broker whose
// client listener takes SCRAM-SHA-512 only, and the chart's hooks, checks and Dapr pub/sub as
// rendered with that profile, their password from the credentials Secret's client-passwords.

const inClusterKafka = 'learnflow-kafka.learnflow.svc.cluster.local:9092';
const inClusterPostgresql = "host='learnflow-postgresql.learnflow.svc.cluster.local' port='5432'";
let broker: KafkaServer;
let password: string;

beforeAll(async () => {
  broker = await KafkaServer.start('sasl', 'kraft-scram');
  password = await broker.saslPassword();
}, 120_000);

afterAll(async () => {
  await broker?.delete();
});

// The reconcile Job with its PostgreSQL parts off: the topic part alone.
const sasl = { valuesFiles: ['profiles/kafka-sasl.yaml'], set: ['postgresqlSchema.enabled=false', 'daprComponents.enabled=false'] };
const podSpec = (object: { spec?: unknown; kind: string }) =>
  object.kind === 'Job' ? (object.spec as { template: { spec: PodSpec } }).template.spec : (object.spec as PodSpec);

describe('Kafka with SASL/SCRAM (profiles/kafka-sasl.yaml), against a real SCRAM broker', () => {
  it(
    'the rendered topic hook and Kafka check authenticate with the password from the credentials Secret',
    { timeout: 120_000 },
    async () => {
      const objects = await render(sasl);
      const local = {
        substitutions: { [inClusterKafka]: broker.bootstrap },
        secrets: { 'learnflow-credentials': { 'client-passwords': password } },
      };
      const hook = await runContainer(objects, podSpec(find(objects, 'Job', 'learnflow-reconcile')), {
        ...local,
        apiAccess: await reconcileApiAccess(),
      });
      expect(hook.code, hook.stdout).toBe(0);
      const check = await runContainer(objects, podSpec(find(objects, 'Pod', 'learnflow-kafka-check')), local);
      expect(check.code, check.stdout).toBe(0);
      expect(check.lines.at(-1)?.msg).toBe('kafka check passed');
    },
  );

  it('a wrong password fails at once, naming the SASL credentials and their Secret', { timeout: 60_000 }, async () => {
    const file = join(tmpdir(), `wrong-sasl-${process.pid}`);
    await writeFile(file, 'not-the-password\n');
    const topics = await writeCatalogue(await chartCatalogue());
    const result = await runCli([
      'kafka-topics',
      '--kafka-brokers',
      broker.bootstrap,
      '--topics-file',
      topics,
      '--kafka-sasl-mechanism',
      'scram-sha-512',
      '--kafka-sasl-username',
      'learnflow',
      '--kafka-sasl-password-file',
      file,
      '--timeout',
      '30',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.elapsedMs).toBeLessThan(15_000);
    expect(failure(result).hint).toContain('check the SASL mechanism, user and password');
    expect(result.stdout).not.toContain('not-the-password');
  });

  it('a missing password file is named, with where it comes from', async () => {
    const topics = await writeCatalogue(await chartCatalogue());
    const result = await runCli([
      'kafka-topics',
      '--kafka-brokers',
      broker.bootstrap,
      '--topics-file',
      topics,
      '--kafka-sasl-mechanism',
      'scram-sha-512',
      '--kafka-sasl-username',
      'learnflow',
      '--kafka-sasl-password-file',
      '/nonexistent/password',
    ]);
    expect(result.code).toBe(2);
    expect(failure(result)).toEqual({
      msg: 'cannot read the Kafka SASL password file /nonexistent/password: ENOENT',
      hint: 'the Job mounts it from the Secret of kafka.sasl.existingSecret: check that the Secret and its key exist',
    });
  });

  it('the Dapr pub/sub, as rendered, publishes and subscribes through a real daprd with SCRAM', { timeout: 120_000 }, async () => {
    const postgres = inject('postgresql');
    const db = await freshDatabase(postgres);
    const store = await madeDaprStore(postgres, db);
    const objects = await render({
      valuesFiles: sasl.valuesFiles,
      set: [
        'postgresqlSchema.enabled=false',
        `postgresql.auth.database=${db.database}`,
        `postgresql.auth.username=${db.user}`,
        `daprComponents.statestore.username=${store.role}`,
        'tests.dapr.timeoutSeconds=60',
      ],
    });
    const pubsub = find(objects, 'Component', 'pubsub-kafka');
    expect((pubsub['spec'] as { metadata: { name: string; secretKeyRef?: unknown }[] }).metadata).toContainEqual({
      name: 'saslPassword',
      secretKeyRef: { name: 'learnflow-credentials', key: 'client-passwords' },
    });
    const job = find(objects, 'Job', 'learnflow-dapr-check');
    const template = (job['spec'] as { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } }).template;
    const appPort = await freePorts(1);
    const daprd = await Daprd.start({
      appId: template.metadata.annotations['dapr.io/app-id']!,
      appPort,
      components: objects.filter((object) => object.kind === 'Component'),
      secrets: { 'learnflow-credentials': { 'dapr-password': store.password, 'client-passwords': password } },
      substitutions: { [inClusterKafka]: broker.bootstrap, [inClusterPostgresql]: `host='${postgres.host}' port='${postgres.port}'` },
    });
    try {
      const check = await runContainer(objects, template.spec, {
        substitutions: { [inClusterKafka]: broker.bootstrap, '8080': String(appPort) },
        secrets: { 'learnflow-credentials': { 'client-passwords': password } },
        env: { DAPR_HTTP_PORT: String(daprd.httpPort) },
      });
      expect(check.code, `${check.stdout}\n${daprd.log}`).toBe(0);
      expect(check.lines.filter((line) => line['ok'] === true).map((line) => line['check'])).toEqual([
        'sidecar',
        'components',
        'state',
        'pubsub',
      ]);
    } finally {
      await daprd.stop();
    }
  });
});
