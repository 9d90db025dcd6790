import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalogue, type TopicSpec } from '../../hooks/kafka/catalogue.js';
import { createKafka, withAdmin, type SaslCredentials } from '../../hooks/kafka/client.js';
import { ConfigResourceTypes, type Admin } from '../../hooks/kafka/kafkajs.js';
import { uniquePrefix, writeCatalogue } from '../support/catalogue.js';
import { chartCopy, find, inClusterKafka, type K8sObject, render, subchartsDir } from '../support/chart.js';
import { runCli } from '../support/cli.js';
import { reconcileApiAccess } from '../support/hook-account.js';
import { protocolErrorTypes, quietLogger } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { runContainer, type PodSpec } from '../support/pod.js';
import { NotYet, until } from '../support/wait.js';

// Kafka with authorization, as profiles/production.yaml configures it: a real KRaft node with SASL
// on every listener and the ACL authorizer, its settings checked against the render; the rendered
// topic hook, connecting as a super user, reconciles the topics and the services user's ACLs, and
// the services user may produce and consume on the catalogue's topics and nothing else.

let broker: KafkaServer;
let production: K8sObject[];

beforeAll(async () => {
  // The render first: a broker started beside a render that fails would outlive the test.
  // The topic part alone: PostgreSQL and Dapr are not part of this test.
  production = await render({
    chart: await chartCopy({ subcharts: subchartsDir() }),
    valuesFiles: ['profiles/production.yaml'],
    set: ['postgresqlSchema.enabled=false', 'daprComponents.enabled=false', 'kafkaTopics.replicationFactor=1'],
  });
  broker = await KafkaServer.start('acl', 'kraft-acl');
}, 180_000);

afterAll(async () => {
  await broker?.delete();
});

const renderedConfig = () =>
  (find(production, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)['server.properties']!;
const setting = (properties: string, key: string) => new RegExp(`^${key.replaceAll('.', '\\.')}=(.*)$`, 'm').exec(properties)?.[1];
const reconcileSpec = () => (find(production, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: PodSpec } }).template.spec;
const hookEnv = (name: string) => reconcileSpec().containers[0]!.env?.find((variable) => variable.name === name)?.value;
const catalogue = () =>
  parseCatalogue((find(production, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>)['topics.json']!, 'ConfigMap');

const services = async (): Promise<SaslCredentials> => ({
  mechanism: 'scram-sha-512',
  username: 'learnflow',
  password: await broker.saslPassword('client'),
});
/** A client of the services user, as a service connects (the hooks' own client). */
const asService = async () => createKafka({ brokers: [broker.bootstrap], clientId: 'a-service', sasl: await services() }, quietLogger);
const asServices = async <T>(work: (admin: Admin) => Promise<T>) => withAdmin(await asService(), work);

async function produceAsService(topic: string, value = 'x'): Promise<void> {
  const producer = (await asService()).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

/** The hook as the chart renders it, against the test's broker, with the brokers' user's password from the credentials Secret. */
async function runRenderedHook() {
  return runContainer(production, reconcileSpec(), {
    substitutions: { [inClusterKafka]: broker.bootstrap },
    secrets: { 'learnflow-credentials': { 'inter-broker-password': await broker.saslPassword('inter-broker') } },
    apiAccess: await reconcileApiAccess(),
  });
}

/** The Kafka error a refused request ends with, by its code name (TOPIC_AUTHORIZATION_FAILED). */
async function refusal(request: Promise<unknown>): Promise<string> {
  const error = await request.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, 'the request was expected to be refused').toBeDefined();
  return protocolErrorTypes(error).join(' ');
}

/**
 * ACLs reach the broker's authorizer a moment after the controller commits them: waits, within a
 * bound, until the services user's write of `value` to `topic` is allowed (and made), or refused.
 */
async function untilProduce(topic: string, outcome: 'allowed' | 'refused', value = 'x'): Promise<void> {
  await until(`a write to ${topic} to be ${outcome}`, async () => {
    const refused = await produceAsService(topic, value).then(
      () => false,
      (error: unknown) => {
        if (!protocolErrorTypes(error).includes('TOPIC_AUTHORIZATION_FAILED')) throw error;
        return true;
      },
    );
    if (refused !== (outcome === 'refused')) throw new NotYet(`the write is still ${refused ? 'refused' : 'allowed'}`);
  });
}

describe('Kafka with authorization (profiles/production.yaml), against a real node with the ACL authorizer', () => {
  it('runs with the security settings the chart renders, the hooks a super user and the services user not', async () => {
    const rendered = renderedConfig();
    const running = await broker.serverProperties();
    for (const key of [
      'listener.security.protocol.map',
      'sasl.enabled.mechanisms',
      'sasl.mechanism.inter.broker.protocol',
      'sasl.mechanism.controller.protocol',
      'listener.name.client.sasl.enabled.mechanisms',
      'listener.name.internal.sasl.enabled.mechanisms',
      'authorizer.class.name',
      'super.users',
    ]) {
      expect(setting(running, key), key).toBe(setting(rendered, key));
    }
    expect(setting(rendered, 'authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    const superUsers = setting(rendered, 'super.users')!.split(';');
    expect(superUsers).toContain(`User:${hookEnv('LEARNFLOW_HOOKS_KAFKA_SASL_USERNAME')}`);
    expect(hookEnv('LEARNFLOW_HOOKS_KAFKA_SERVICES_USER')).toBe('learnflow');
    expect(superUsers).not.toContain('User:learnflow');
  });

  it(
    'the rendered hook reconciles the topics as a super user; the services user produces and consumes on them, ' +
      'and is refused deleting, creating or reconfiguring a topic',
    { timeout: 180_000 },
    async () => {
      const hook = await runRenderedHook();
      expect(hook.code, hook.stdout).toBe(0);
      const topic = catalogue()[0]!.name;

      // Produce and consume on a catalogue topic, in the group the Dapr pub/sub gives an app id.
      await untilProduce(topic, 'allowed', 'from a service');
      const groups = hookEnv('LEARNFLOW_HOOKS_KAFKA_SERVICES_GROUPS')!.split(',');
      expect(groups).toEqual(['learnflow.*']);
      const consumer = (await asService()).consumer({ groupId: 'learnflow.progress' });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        const received = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`nothing consumed from ${topic} within 60s`)), 60_000);
          void consumer.run({
            eachMessage: ({ message }) => {
              clearTimeout(timer);
              resolve(message.value?.toString() ?? '');
              return Promise.resolve();
            },
          });
        });
        expect(received).toBe('from a service');
      } finally {
        await consumer.disconnect();
      }

      // Nothing else: the group's offsets read, and another group's refused (the broker refuses to
      // name its coordinator, which kafkajs reports as not found).
      await asServices((admin) => admin.fetchOffsets({ groupId: 'learnflow.progress', topics: [topic] }));
      const outside = await asServices((admin) => admin.fetchOffsets({ groupId: 'learnflow-services', topics: [topic] })).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((outside as Error | undefined)?.name).toBe('KafkaJSGroupCoordinatorNotFound');
      expect(await refusal(asServices((admin) => admin.deleteTopics({ topics: [topic], timeout: 5_000 })))).toContain(
        'TOPIC_AUTHORIZATION_FAILED',
      );
      expect(
        await refusal(
          asServices((admin) =>
            admin.alterConfigs({
              validateOnly: false,
              resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1' }] }],
            }),
          ),
        ),
      ).toContain('TOPIC_AUTHORIZATION_FAILED');
      expect(await refusal(asServices((admin) => admin.createTopics({ topics: [{ topic: 'not.in.the.catalogue' }] })))).toContain(
        'TOPIC_AUTHORIZATION_FAILED',
      );

      // Run again: in sync, and still the super user's to reconcile.
      const again = await runRenderedHook();
      expect(again.code, again.stdout).toBe(0);
      expect(again.lines.some((line) => String(line.msg).startsWith(`all ${catalogue().length} catalogue topics are in sync`))).toBe(true);
    },
  );

  it("takes away the services user's rights on a topic the catalogue drops", { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix();
    const [kept, dropped] = catalogue().map((topic) => ({ ...topic, name: `${prefix}${topic.name}` }));
    const passwordFile = join(await mkdtemp(join(tmpdir(), 'acl-test-')), 'password');
    await writeFile(passwordFile, await broker.saslPassword('inter-broker'));
    const hook = async (topics: TopicSpec[]) =>
      runCli([
        ...['kafka-topics', '--kafka-brokers', broker.bootstrap, '--topics-file', await writeCatalogue(topics)],
        ...[
          '--kafka-sasl-mechanism',
          'scram-sha-512',
          '--kafka-sasl-username',
          'inter_broker_user',
          '--kafka-sasl-password-file',
          passwordFile,
        ],
        ...['--kafka-services-user', 'learnflow', '--kafka-services-groups', 'learnflow.*'],
      ]);
    const first = await hook([kept!, dropped!]);
    expect(first.code, first.stdout).toBe(0);
    await untilProduce(dropped!.name, 'allowed');
    const second = await hook([kept!]);
    expect(second.code, second.stdout).toBe(0);
    await untilProduce(dropped!.name, 'refused');
    await untilProduce(kept!.name, 'allowed');
  });
});
