import { describe, expect, it } from 'vitest';
import { expectedTables } from '../../../hooks/postgresql/schema.js';
import { find, render, renderError, type K8sObject } from '../../support/chart.js';

interface ComponentSpec {
  type: string;
  version: string;
  metadata: { name: string; value?: string; secretKeyRef?: { name: string; key: string } }[];
}
const componentSpec = (object: K8sObject) => object['spec'] as ComponentSpec;
const metadata = (object: K8sObject) =>
  Object.fromEntries(componentSpec(object).metadata.map((entry) => [entry.name, entry.value ?? entry.secretKeyRef]));

/**
 * A connection string read as libpq reads keyword/value strings (fe-connect.c, conninfo_parse):
 * keyword = value, separated by spaces; a value single-quoted, or bare up to the next space; "\"
 * escapes the character after it. Throws where libpq would refuse the string.
 */
function libpqSettings(conninfo: string): Record<string, string> {
  const setting = /\s*([a-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:[^\s'\\]|\\.)+))/y;
  const settings: Record<string, string> = {};
  let end = 0;
  for (let match = setting.exec(conninfo); match; match = setting.exec(conninfo)) {
    settings[match[1]!] = (match[2] ?? match[3]!).replace(/\\(.)/g, '$1');
    end = setting.lastIndex;
  }
  const rest = conninfo.slice(end);
  if (rest.trim()) throw new Error(`libpq would refuse ${JSON.stringify(conninfo)} at ${JSON.stringify(rest)}`);
  return settings;
}

describe('the Dapr components', () => {
  it("are named as services expect, and point at the release's Kafka and PostgreSQL", async () => {
    const objects = await render();
    const pubsub = find(objects, 'Component', 'pubsub-kafka');
    expect(componentSpec(pubsub)).toMatchObject({ type: 'pubsub.kafka', version: 'v1' });
    expect(metadata(pubsub)).toEqual({
      brokers: 'learnflow-kafka.learnflow.svc.cluster.local:9092',
      consumerGroup: 'learnflow.{appID}',
      initialOffset: 'oldest',
      authType: 'none',
      version: '3.9.0',
    });
    const statestore = find(objects, 'Component', 'statestore');
    expect(componentSpec(statestore)).toMatchObject({ type: 'state.postgresql', version: 'v1' });
    const { connectionString, ...rest } = metadata(statestore);
    expect(libpqSettings(connectionString as string)).toEqual({
      host: 'learnflow-postgresql.learnflow.svc.cluster.local',
      port: '5432',
      user: 'dapr',
      database: 'learnflow',
      sslmode: 'disable',
    });
    expect(rest).toEqual({
      password: { name: 'learnflow-credentials', key: 'dapr-password' },
      tableName: 'dapr.dapr_state',
      metadataTableName: 'dapr.dapr_metadata',
    });
  });

  it("quote every value of the state store's connection string, so that none adds a keyword, even past the schema", async () => {
    // The review's value: with the schema skipped, a database name with a space, a quote and a backslash.
    const database = String.raw`learn flow' sslmode=require \ x`;
    const statestore = find(
      await render({ values: { postgresql: { auth: { database } } }, skipSchemaValidation: true }),
      'Component',
      'statestore',
    );
    expect(libpqSettings(metadata(statestore)['connectionString'] as string)).toMatchObject({ database, sslmode: 'disable' });
  });

  it("connect as a role of their own, never the application user, and the hook makes it only with this release's PostgreSQL", async () => {
    expect(await renderError({ set: ['daprComponents.statestore.username=learnflow'] })).toContain(
      'daprComponents.statestore.username is "learnflow", the application user: the state store needs a role of its own',
    );
    expect(await renderError({ set: ['daprComponents.statestore.schema=public'] })).toContain('daprComponents/statestore/schema');
    const storeEnv = async (set: string[]) => {
      const job = find(await render({ set }), 'Job', 'learnflow-reconcile');
      const env = (job['spec'] as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec
        .containers[0]!.env;
      return Object.fromEntries(env.filter((item) => /STATESTORE|ADMIN/.test(item.name)).map((item) => [item.name, item.value]));
    };
    expect(await storeEnv([])).toEqual({
      LEARNFLOW_HOOKS_STATESTORE_USER: 'dapr',
      LEARNFLOW_HOOKS_STATESTORE_SCHEMA: 'dapr',
      LEARNFLOW_HOOKS_STATESTORE_TABLES: 'dapr_state,dapr_metadata',
      LEARNFLOW_HOOKS_STATESTORE_PASSWORD_FILE: '/etc/learnflow/credentials/dapr-password',
      LEARNFLOW_HOOKS_STATESTORE_PASSWORD_SECRET: 'Secret learnflow-credentials, key dapr-password',
      LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_USER: 'postgres',
      LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_PASSWORD_FILE: '/etc/learnflow/credentials/postgres-password',
      LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_PASSWORD_SECRET: 'Secret learnflow-credentials, key postgres-password',
    });
    // An existing PostgreSQL: whoever runs it makes the role, and the hook only checks it.
    expect(Object.keys(await storeEnv(['postgresql.enabled=false', 'postgresqlSchema.host=db.shared']))).not.toContain(
      'LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_PASSWORD_FILE',
    );
  });

  it('authenticate with SCRAM when the Kafka client listener uses SASL, the password by secretKeyRef', async () => {
    const sasl = ['kafka.listeners.client.protocol=SASL_PLAINTEXT', 'kafka.listeners.interbroker.protocol=SASL_PLAINTEXT'];
    const pubsub = find(await render({ set: sasl }), 'Component', 'pubsub-kafka');
    expect(metadata(pubsub)).toMatchObject({
      authType: 'password',
      saslMechanism: 'SHA-512',
      saslUsername: 'learnflow',
      saslPassword: { name: 'learnflow-kafka-user-passwords', key: 'system-user-password' },
      disableTls: 'true',
    });
    // TLS (SASL_SSL) is for an existing Kafka: test/chart/kafka/tls.test.ts.
  });

  it("keep Dapr's tables in a schema of their own, apart from the platform's", async () => {
    const statestore = find(await render(), 'Component', 'statestore');
    const tables = [metadata(statestore)['tableName'], metadata(statestore)['metadataTableName']] as string[];
    for (const table of tables) {
      expect(table).toMatch(/^dapr\./);
      expect(Object.keys(expectedTables).concat('pgmigrations')).not.toContain(table.replace(/^dapr\./, ''));
    }
  });

  it("give each app id a consumer group of its own, named after the release's namespace or the prefix set", async () => {
    // Dapr puts the sidecar's app id in for {appID}: every service gets every message, and the
    // replicas of one service share them; releases in two namespaces never share a group.
    const inStaging = await render({ namespace: 'staging' });
    expect(metadata(find(inStaging, 'Component', 'pubsub-kafka'))).toMatchObject({
      consumerGroup: 'staging.{appID}',
      initialOffset: 'oldest',
    });
    const prefixed = await render({
      set: ['daprComponents.pubsub.consumerGroupPrefix=lf-dev-', 'daprComponents.pubsub.initialOffset=newest'],
    });
    expect(metadata(find(prefixed, 'Component', 'pubsub-kafka'))).toMatchObject({
      consumerGroup: 'lf-dev-{appID}',
      initialOffset: 'newest',
    });
  });

  it("take scopes from values, with the Dapr check's app id while it runs; none means every app", async () => {
    const scoped = await render({ set: ['daprComponents.pubsub.scopes={triage-service,concepts-service}'] });
    expect(find(scoped, 'Component', 'pubsub-kafka')['scopes']).toEqual(['triage-service', 'concepts-service', 'learnflow-check']);
    expect(find(scoped, 'Component', 'statestore')['scopes']).toBeUndefined();
    const withoutCheck = await render({ set: ['daprComponents.statestore.scopes={orders}', 'tests.dapr.enabled=false'] });
    expect(find(withoutCheck, 'Component', 'statestore')['scopes']).toEqual(['orders']);
  });

  it('follow an external Kafka and a user-managed Secret, and can be turned off', async () => {
    const objects = await render({
      set: ['kafka.enabled=false', 'kafkaTopics.bootstrapServers=kafka.shared:9092', 'global.learnflow.credentialsSecret=team-secrets'],
    });
    expect(metadata(find(objects, 'Component', 'pubsub-kafka'))['brokers']).toBe('kafka.shared:9092');
    expect(metadata(find(objects, 'Component', 'statestore'))['password']).toEqual({ name: 'team-secrets', key: 'dapr-password' });
    expect((await render({ set: ['daprComponents.enabled=false'] })).filter((object) => object.kind === 'Component')).toEqual([]);
  });
});
