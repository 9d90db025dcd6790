import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { find, mergeValues, render, type K8sObject } from '../support/chart.js';
import { failedAtOnce, failure, passedChecks } from '../support/cli.js';
import { makeLearnflowDatabase, type DatabasePasswords } from '../support/node.js';
import { runContainer, runDaprCheck, type LocalServices, type PodSpec } from '../support/pod.js';
import { asSuperuser, PostgresqlServer, type PostgresqlAddress } from '../support/postgresql-server.js';
import { CertificateAuthority, type Certificate } from '../support/tls.js';

/**
 * An existing PostgreSQL as a managed service runs one: TLS only (hostssl), its certificate from
 * a private CA and naming its endpoint (localhost here, not the address 127.0.0.1), and a
 * database whose rule also requires a client certificate. The chart is rendered in its
 * existing-services mode with postgresqlSchema.tls, and its Job, check and Dapr components run
 * for real against it.
 */
describe('TLS to an existing PostgreSQL that requires it, with a CA made at test time', () => {
  let server: PostgresqlServer;
  let address: PostgresqlAddress;
  let passwords: DatabasePasswords;
  let ca: CertificateAuthority;
  let client: Certificate;
  /** The database whose rule requires a client certificate. */
  const mtlsDatabase = 'learnflow_mtls';

  beforeAll(async () => {
    [ca, server] = await Promise.all([CertificateAuthority.create('learnflow-test-ca'), PostgresqlServer.start('tls')]);
    const [certificate, clientCertificate] = await Promise.all([
      ca.server({ commonName: 'postgresql', dns: ['localhost'] }),
      // One certificate for every role the chart logs in as: the rule checks its chain (verify-ca),
      // as a managed service's does; verify-full would match its name to each role.
      ca.client('learnflow-hooks'),
    ]);
    client = clientCertificate;
    await server.requireTls(certificate, ca.certificate, [`hostssl ${mtlsDatabase} all scram-sha-256 clientcert=verify-ca`]);
    address = await server.address();
    passwords = await makeLearnflowDatabase(address);
    await asSuperuser(address, (session) => session.query(`CREATE DATABASE ${mtlsDatabase} OWNER learnflow`));
  }, 120_000);

  afterAll(async () => {
    await server?.delete();
  });

  /** The Dapr tests' values: the components, and a Kafka for them to name, which is the suite's. */
  const daprKafka = 'kafka.example:9092';
  const withDapr = (more: Record<string, unknown> = {}) =>
    mergeValues({ daprComponents: { enabled: true }, kafkaTopics: { bootstrapServers: daprKafka } }, more);
  const withKafka = async (services: LocalServices): Promise<LocalServices> => ({
    ...services,
    substitutions: { ...services.substitutions, [daprKafka]: inject('kafkaBrokers').kraft },
  });
  /** The chart for this server: existing services, no Kafka part, postgresqlSchema.tls as given. */
  const renderFor = (tls: object, schema: object = {}, more: Record<string, unknown> = {}) =>
    render({
      values: mergeValues(
        {
          kafka: { enabled: false },
          postgresql: { enabled: false },
          kafkaTopics: { enabled: false },
          daprComponents: { enabled: false },
          postgresqlSchema: { host: 'localhost', port: server.port, tls, ...schema },
        },
        more,
      ),
    });

  /** The Secrets and ConfigMaps the user made: the CA (right or wrong), the client certificate, the credentials. */
  const local = async (caPem = ca.certificate.cert): Promise<LocalServices> => ({
    substitutions: {},
    secrets: {
      'learnflow-credentials': passwords,
      'postgresql-ca': { 'ca.crt': caPem },
      'postgresql-client': { 'tls.crt': client.cert, 'tls.key': client.key },
    },
    configMaps: { 'postgresql-ca': { 'ca.crt': caPem } },
  });

  const jobSpec = (objects: K8sObject[]) =>
    (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: PodSpec } }).template.spec;
  const reconcile = async (objects: K8sObject[], services?: LocalServices) =>
    runContainer(objects, jobSpec(objects), services ?? (await local()));
  const verifyFull = { mode: 'verify-full', caCertificate: { secretName: 'postgresql-ca' } };

  it(
    'verify-full with the CA from a Secret: the Job migrates and seeds; the check, with the CA from a ConfigMap, passes',
    { timeout: 120_000 },
    async () => {
      const hook = await reconcile(await renderFor(verifyFull));
      expect(hook.code, hook.stdout).toBe(0);
      expect(hook.lines.at(-1)?.msg).toBe('done: postgresql-migrate, postgresql-seed, postgresql-services-role');

      const objects = await renderFor({ mode: 'verify-full', caCertificate: { configMapName: 'postgresql-ca' } });
      const check = await runContainer(objects, find(objects, 'Pod', 'learnflow-postgresql-check')['spec'] as PodSpec, await local());
      expect(check.code, check.stdout).toBe(0);
      expect(check.lines.at(-1)?.msg).toBe('postgresql check passed');
    },
  );

  it('a CA that did not sign the server certificate fails at once, naming the value to set', async () => {
    const other = await CertificateAuthority.create('another-ca');
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor(verifyFull), await local(other.certificate.cert)));
    expect(msg).toContain("PostgreSQL's certificate at localhost is not signed by the CA of postgresqlSchema.tls.caCertificate");
    expect(hint).toContain('set postgresqlSchema.tls.caCertificate to the CA that signed');
  });

  it('a certificate that does not name the host fails verify-full at once, naming the value; verify-ca then passes', async () => {
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor(verifyFull, { host: '127.0.0.1' })));
    expect(msg).toContain("PostgreSQL's certificate does not name 127.0.0.1 (verify-full)");
    expect(hint).toContain('set postgresqlSchema.host to a name the certificate carries');
    const verifyCa = await reconcile(await renderFor({ ...verifyFull, mode: 'verify-ca' }, { host: '127.0.0.1' }));
    expect(verifyCa.code, verifyCa.stdout).toBe(0);
  });

  it('plaintext to the TLS-only server fails at once, naming postgresqlSchema.tls.mode', async () => {
    const { msg, hint } = failedAtOnce(await reconcile(await renderFor({ mode: 'disable' })));
    expect(msg).toContain('PostgreSQL at localhost accepts TLS connections only, and postgresqlSchema.tls.mode is disable');
    expect(hint).toContain('set postgresqlSchema.tls.mode to verify-full');
  });

  it(
    'a database that requires a client certificate: refused without one, naming the value; admitted with it',
    { timeout: 120_000 },
    async () => {
      const without = failedAtOnce(await reconcile(await renderFor(verifyFull, { database: mtlsDatabase })));
      expect(without.msg).toContain('PostgreSQL at localhost refused the client certificate');
      expect(without.hint).toContain('set postgresqlSchema.tls.clientCertificate to a Secret of type kubernetes.io/tls');
      const withCertificate = await reconcile(
        await renderFor({ ...verifyFull, clientCertificate: { secretName: 'postgresql-client' } }, { database: mtlsDatabase }),
      );
      expect(withCertificate.code, withCertificate.stdout).toBe(0);
    },
  );

  it(
    "the Dapr state store, as rendered, over verify-full: its sidecar reads the CA from the Pod's volume; the Dapr check passes",
    { timeout: 120_000 },
    async () => {
      const objects = await renderFor(verifyFull, {}, withDapr());
      const { check, sidecarLog } = await runDaprCheck(objects, await withKafka(await local()));
      expect(check.code, `${check.stdout}\n${sidecarLog}`).toBe(0);
      expect(passedChecks(check)).toEqual(['sidecar', 'components', 'state', 'pubsub']);
    },
  );

  it('the Dapr state store with a wrong CA: the sidecar cannot start it, and says why', { timeout: 120_000 }, async () => {
    const other = await CertificateAuthority.create('another-ca');
    const objects = await renderFor(verifyFull, {}, withDapr({ tests: { dapr: { timeoutSeconds: 15 } } }));
    const { check, sidecarLog } = await runDaprCheck(objects, await withKafka(await local(other.certificate.cert)));
    expect(check.code).toBe(1);
    expect(failure(check).hint).toContain('its certificate fails postgresqlSchema.tls');
    expect(sidecarLog).toContain('certificate signed by unknown authority');
  });
});
