import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartCopy, find, inClusterKafka, inClusterPostgresql, render, subchartsDir } from '../support/chart.js';
import { createKafka, withAdmin, type SaslCredentials } from '../../hooks/kafka/client.js';
import { quietLogger } from '../support/kafka-admin.js';
import { writeCatalogue, chartCatalogue } from '../support/catalogue.js';
import { failure, runCli, passedChecks } from '../support/cli.js';
import { Daprd } from '../support/daprd.js';
import { briefClient, kafkaTool, KafkaServer, saslListeners } from '../support/kafka-server.js';
import { runContainer, type PodSpec } from '../support/pod.js';
import { freePorts } from '../support/ports.js';
import { freshDatabase, madeStatestore } from '../support/postgresql-server.js';
import { reconcileApiAccess } from '../support/hook-account.js';

// Kafka with SASL, as profiles/kafka-sasl.yaml configures it: a real KRaft node with SASL on every
// listener (the client's and the inter-broker one SCRAM-SHA-512 only, the controller's PLAIN), the
// settings the chart renders, and the chart's hooks, checks and Dapr pub/sub as rendered with that
// profile, their password from the credentials Secret's client-passwords.

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

/** The settings that make a listener authenticate, from a server.properties. */
const securityKeys = [
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'controller.listener.names',
  'sasl.enabled.mechanisms',
  'sasl.mechanism.inter.broker.protocol',
  'sasl.mechanism.controller.protocol',
  'listener.name.client.sasl.enabled.mechanisms',
  'listener.name.internal.sasl.enabled.mechanisms',
  'listener.name.controller.sasl.enabled.mechanisms',
];
const settingsOf = (properties: string, keys: readonly string[]) =>
  Object.fromEntries(keys.map((key) => [key, new RegExp(`^${key.replaceAll('.', '\\.')}=(.*)$`, 'm').exec(properties)?.[1]]));

/** Whether a kafkajs admin (the hooks' client) may list topics on `port`, as `sasl` or with no credentials. */
async function listsTopics(port: number, sasl?: SaslCredentials): Promise<boolean> {
  const kafka = createKafka({ brokers: [`${broker.address}:${port}`], clientId: 'learnflow-tests', sasl }, quietLogger);
  return withAdmin(kafka, (admin) => admin.listTopics()).then(
    () => true,
    () => false,
  );
}

describe('Kafka with SASL (profiles/kafka-sasl.yaml), against a real node with SASL on every listener', () => {
  it('runs with the security settings the chart renders for a KRaft node with the profile', async () => {
    const objects = await render({
      chart: await chartCopy({ subcharts: subchartsDir() }),
      valuesFiles: ['profiles/kraft.yaml', 'profiles/kafka-sasl.yaml'],
    });
    const rendered = (find(objects, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)[
      'server.properties'
    ]!;
    expect(settingsOf(rendered, securityKeys)['listener.security.protocol.map']).toBe(
      'CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    );
    expect(settingsOf(await broker.serverProperties(), securityKeys)).toEqual(settingsOf(rendered, securityKeys));
  });

  it("refuses a client without credentials on every listener, and takes each listener's own user", { timeout: 120_000 }, async () => {
    const client = broker.port + saslListeners.client;
    const internal = broker.port + saslListeners.internal;
    const controller = `${broker.address}:${broker.port + saslListeners.controller}`;
    // The broker listeners, through the hooks' own client.
    expect(await listsTopics(client)).toBe(false);
    expect(await listsTopics(internal)).toBe(false);
    expect(await listsTopics(client, { mechanism: 'scram-sha-512', username: 'learnflow', password })).toBe(true);
    expect(
      await listsTopics(internal, {
        mechanism: 'scram-sha-512',
        username: 'inter_broker_user',
        password: await broker.saslPassword('inter-broker'),
      }),
    ).toBe(true);
    // The controller listener, through Kafka's own tool (kafkajs cannot talk to a controller).
    const quorum = (properties: Record<string, string>) =>
      kafkaTool('org.apache.kafka.tools.MetadataQuorumCommand', ['--bootstrap-controller', controller, 'describe', '--status'], {
        ...briefClient,
        ...properties,
      });
    const anonymous = await quorum({});
    expect(anonymous.code, anonymous.stdout).not.toBe(0);
    const controllerPassword = await broker.saslPassword('controller');
    const authenticated = await quorum({
      // Expected to succeed: the tool's default timeouts (60s for the call), not the brief ones
      // that only make a refusal quick; a JVM on a loaded machine needs them.
      'request.timeout.ms': '30000',
      'default.api.timeout.ms': '60000',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        `username="controller_user" password="${controllerPassword}";`,
    });
    expect(authenticated.code, authenticated.stderr).toBe(0);
    expect(authenticated.stdout).toContain('LeaderId');
  });

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
    const store = await madeStatestore(postgres, db);
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
      expect(passedChecks(check)).toEqual(['sidecar', 'components', 'state', 'pubsub']);
    } finally {
      await daprd.stop();
    }
  });
});
