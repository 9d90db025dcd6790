import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { find, inClusterPostgresql, mergeValues, render, type K8sObject } from '../support/chart.js';
import { failedAtOnce, passedChecks } from '../support/cli.js';
import { reconcileApiAccess } from '../support/hook-account.js';
import { withTestAdmin } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { runContainer, runDaprCheck, type LocalServices, type PodSpec } from '../support/pod.js';
import { freshDatabase, madeStatestore } from '../support/postgresql-server.js';
import { CertificateAuthority } from '../support/tls.js';

/**
 * An existing Kafka as a managed service runs one: its client listener SASL_SSL (SCRAM-SHA-512),
 * its certificate from a private CA and naming the address it advertises (localhost, not
 * 127.0.0.1). The chart is rendered in its existing-services mode, and its Job, check and Dapr
 * pub/sub run for real against it.
 */
describe('TLS to an existing Kafka whose client listener is SASL_SSL, with a CA made at test time', () => {
  let server: KafkaServer;
  let ca: CertificateAuthority;
  let saslPassword: string;

  beforeAll(async () => {
    ca = await CertificateAuthority.create('learnflow-test-ca');
    server = await KafkaServer.startTls('tls', await ca.server({ commonName: 'kafka', dns: ['localhost'] }));
    saslPassword = await server.saslPassword();
  }, 120_000);

  afterAll(async () => {
    await server?.delete();
  });

  /** The chart for this Kafka, reached at `host`: existing services, the client listener's protocol as given. */
  const renderFor = (protocol: string, host = 'localhost', more: Record<string, unknown> = {}) =>
    render({
      values: mergeValues(
        {
          kafka: { enabled: false, listeners: { client: { protocol } }, sasl: { existingSecret: 'kafka-sasl' } },
          kafkaTopics: {
            bootstrapServers: `${host}:${server.port}`,
            ...(protocol === 'SASL_SSL' && { tls: { caCertificate: { secretName: 'kafka-ca' } } }),
          },
          postgresqlSchema: { enabled: false },
          daprComponents: { enabled: false },
        },
        more,
      ),
    });

  /** The Secrets the user made: the SASL password, and the CA (right or wrong). */
  const local = (caPem = ca.certificate.cert): LocalServices => ({
    substitutions: {},
    secrets: { 'kafka-sasl': { 'client-passwords': saslPassword }, 'kafka-ca': { 'ca.crt': caPem } },
  });
  /** The reconcile Job, whose topic part keeps its state through the API. */
  const reconcile = async (objects: K8sObject[], services = local()) =>
    runContainer(objects, (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: PodSpec } }).template.spec, {
      ...services,
      apiAccess: await reconcileApiAccess(),
    });

  it('verifies each broker: the Job makes the topics over SASL_SSL with the CA, and the check passes', { timeout: 120_000 }, async () => {
    const objects = await renderFor('SASL_SSL');
    const hook = await reconcile(objects);
    expect(hook.code, hook.stdout).toBe(0);
    const check = await runContainer(objects, find(objects, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, local());
    expect(check.code, check.stdout).toBe(0);
    expect(check.lines.at(-1)?.msg).toBe('kafka check passed');
    const topics = await withTestAdmin(`localhost:${server.port}`, (admin) => admin.listTopics(), {
      sasl: { mechanism: 'scram-sha-512', username: 'learnflow', password: saslPassword },
      ssl: { ca: ca.certificate.cert },
    });
    expect(topics).toContain('learning.query');
  });

  it('a CA that did not sign the brokers’ certificates fails at once, naming the value to set', async () => {
    const other = await CertificateAuthority.create('another-ca');
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor('SASL_SSL'), local(other.certificate.cert)));
    expect(msg).toContain(
      `the certificate of the Kafka broker localhost:${server.port} is not signed by the CA of kafkaTopics.tls.caCertificate`,
    );
    expect(hint).toContain('set kafkaTopics.tls.caCertificate to a Secret holding the CA');
  });

  it('a certificate that does not name the address the hooks use fails at once, naming the value', async () => {
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor('SASL_SSL', '127.0.0.1')));
    expect(msg).toContain(`the certificate of the Kafka broker 127.0.0.1:${server.port} does not name it`);
    expect(hint).toContain('kafkaTopics.bootstrapServers');
  });

  it('plaintext to the TLS listener fails at once, naming kafka.listeners.client.protocol', async () => {
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor('SASL_PLAINTEXT')));
    expect(msg).toContain(`the Kafka broker localhost:${server.port} speaks TLS, and the hooks connect in plaintext`);
    expect(hint).toContain('set kafka.listeners.client.protocol to SASL_SSL');
  });

  it(
    "the Dapr pub/sub, as rendered, over SASL_SSL with the CA from its Secret: the Dapr check's round trips pass",
    { timeout: 120_000 },
    async () => {
      const postgresql = inject('postgresql');
      const db = await freshDatabase(postgresql);
      const store = await madeStatestore(postgresql, db);
      const objects = await renderFor('SASL_SSL', 'localhost', {
        daprComponents: { enabled: true, statestore: { username: store.role } },
        postgresql: { auth: { database: db.database, username: db.user } },
      });
      const services = local();
      const { check, sidecarLog } = await runDaprCheck(objects, {
        ...services,
        substitutions: { [inClusterPostgresql]: `host='${postgresql.host}' port='${postgresql.port}'` },
        secrets: { ...services.secrets, 'learnflow-credentials': { 'dapr-password': store.password } },
      });
      expect(check.code, `${check.stdout}\n${sidecarLog}`).toBe(0);
      expect(passedChecks(check)).toEqual(['sidecar', 'components', 'state', 'pubsub']);
    },
  );
});
