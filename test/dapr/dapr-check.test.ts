import { afterEach, describe, expect, inject, it } from 'vitest';
import { find, inClusterKafka, inClusterPostgresql, type K8sObject, render } from '../support/chart.js';
import { failure, passedChecks, runCli } from '../support/cli.js';
import { Daprd } from '../support/daprd.js';
import { KafkaServer } from '../support/kafka-server.js';
import { withTestAdmin } from '../support/kafka-admin.js';
import { runContainer, type PodSpec } from '../support/pod.js';
import { freePorts } from '../support/ports.js';
import {
  statestoreFor,
  freshDatabase,
  madeStatestore,
  PostgresqlServer,
  withDatabase,
  type TestDatabase,
  type TestPartRole,
} from '../support/postgresql-server.js';
import { waitUntil } from '../support/wait.js';
import { DaprSidecar } from '../../hooks/dapr/sidecar.js';
import { checkPrefix } from '../../hooks/kafka/round-trip.js';

const sidecars: Daprd[] = [];
afterEach(async () => {
  await Promise.all(sidecars.splice(0).map((daprd) => daprd.stop()));
});

/** The chart as rendered for a test database and its state store's role. */
const renderFor = (db: TestDatabase, store: TestPartRole, set: string[] = []) =>
  render({
    set: [
      `postgresql.auth.database=${db.database}`,
      `postgresql.auth.username=${db.user}`,
      `daprComponents.statestore.username=${store.role}`,
      ...set,
    ],
  });

/**
 * The chart's Dapr components and check Job as rendered, run for real: daprd (self-hosted) loads
 * the components, and the Job's container runs beside it with its own environment, as in the Pod.
 */
async function runCheck(
  kafka: string,
  postgres: { host: string; port: number },
  db: TestDatabase,
  timeoutSeconds = 60,
  /** What became of the rendered components in the cluster (a change by hand). */
  changed = (components: K8sObject[]) => components,
) {
  const store = await madeStatestore(inject('postgresql'), db);
  const objects = await renderFor(db, store, [`tests.dapr.timeoutSeconds=${timeoutSeconds}`]);
  const components = changed(objects.filter((object) => object.kind === 'Component'));
  const job = find(objects, 'Job', 'learnflow-dapr-check');
  const template = (job['spec'] as { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } }).template;
  expect(template.metadata.annotations).toMatchObject({
    'dapr.io/enabled': 'true',
    'dapr.io/app-id': 'learnflow-check',
    'dapr.io/app-port': '8080',
  });

  const appPort = await freePorts(1);
  const daprd = await Daprd.start({
    appId: template.metadata.annotations['dapr.io/app-id']!,
    appPort,
    components,
    secrets: { 'learnflow-credentials': { 'dapr-password': store.password } },
    substitutions: { [inClusterKafka]: kafka, [inClusterPostgresql]: `host='${postgres.host}' port='${postgres.port}'` },
  });
  sidecars.push(daprd);
  const check = await runContainer(objects, template.spec, {
    substitutions: { [inClusterKafka]: kafka, '8080': String(appPort) },
    env: { DAPR_HTTP_PORT: String(daprd.httpPort) },
  });
  return { check, daprd, components };
}

describe('the Dapr check against a real daprd, with the components as the chart renders them', () => {
  it('passes: sidecar, both components, state and pub/sub round trips; then stops the sidecar', { timeout: 120_000 }, async () => {
    const db = await freshDatabase(inject('postgresql'));
    const kafka = inject('kafkaBrokers').kraft;
    const { check, daprd } = await runCheck(kafka, inject('postgresql'), db);
    expect(check.code, `${check.stdout}\n${daprd.log}`).toBe(0);
    expect(passedChecks(check)).toEqual(['sidecar', 'components', 'state', 'pubsub']);
    expect(await daprd.exited).toBe(0);
    const leftovers = await withTestAdmin(kafka, async (admin) =>
      (await admin.listTopics()).filter((topic) => topic.startsWith(checkPrefix)),
    );
    expect(leftovers).toEqual([]);
  });

  it('points at PostgreSQL when the sidecar cannot start its state store', { timeout: 120_000 }, async () => {
    const stopped = await PostgresqlServer.allocate('dapr-no-pg');
    const db = await freshDatabase(inject('postgresql'));
    const { check } = await runCheck(inject('kafkaBrokers').kraft, { host: '127.0.0.1', port: stopped.port }, db, 15);
    expect(check.code).toBe(1);
    expect(failure(check).msg).toContain('the Dapr sidecar was not ready in time');
    expect(failure(check).hint).toContain('the state store when PostgreSQL is unreachable, rejects the password');
  });

  it('names its app id and the scopes to look at when a component is scoped to other apps', { timeout: 120_000 }, async () => {
    const db = await freshDatabase(inject('postgresql'));
    // The default time for the sidecar to come up (a loaded machine's daprd once took over 30 s); the check fails as soon as it answers.
    const { check, daprd } = await runCheck(inject('kafkaBrokers').kraft, inject('postgresql'), db, undefined, (components) =>
      components.map((component) => (component.metadata.name === 'statestore' ? { ...component, scopes: ['orders'] } : component)),
    );
    expect(check.code).toBe(1);
    expect(failure(check).msg, daprd.log).toContain('component(s) statestore not loaded by the sidecar of app id learnflow-check');
    expect(failure(check).hint).toContain("kubectl get component statestore -o jsonpath='{.scopes}'");
    expect(failure(check).hint).toContain('must be empty or include learnflow-check');
  });

  it('names Kafka when the broker is not reachable', { timeout: 120_000 }, async () => {
    const stopped = await KafkaServer.allocate('dapr-no-kafka', 'kraft');
    const db = await freshDatabase(inject('postgresql'));
    const { check } = await runCheck(stopped.bootstrap, inject('postgresql'), db, 8);
    expect(check.code).toBe(1);
    expect(failure(check).msg).toContain(`cannot reach the Kafka broker ${stopped.bootstrap}`);
  });

  it(
    'keeps the state an earlier release stored in public: the store part moves it, and the new components read it back',
    { timeout: 120_000 },
    async () => {
      const server = inject('postgresql');
      const db = await freshDatabase(server);
      const store = await statestoreFor(server, db);
      const statestore = find(await renderFor(db, store), 'Component', 'statestore');
      // The state store as 0.1.x rendered it: the application user, its tables in public.
      const earlier = structuredClone(statestore);
      const items = (earlier['spec'] as { metadata: { name: string; value?: string; secretKeyRef?: { key: string } }[] }).metadata;
      for (const item of items) {
        if (item.name === 'connectionString') item.value = item.value!.replace(`user='${store.role}'`, `user='${db.user}'`);
        if (item.name === 'password') item.secretKeyRef!.key = 'password';
        if (item.name === 'tableName') item.value = 'dapr_state';
        if (item.name === 'metadataTableName') item.value = 'dapr_metadata';
      }
      const secrets = { 'learnflow-credentials': { password: db.password, 'dapr-password': store.password } };
      const substitutions = { [inClusterPostgresql]: `host='${server.host}' port='${server.port}'` };

      /** daprd with only the state store, once it serves it. */
      const sidecar = async (component: K8sObject) => {
        const appPort = await freePorts(1);
        const daprd = await Daprd.start({
          appId: 'learnflow-upgrade',
          appPort,
          components: [component],
          secrets,
          substitutions,
        });
        sidecars.push(daprd);
        const api = new DaprSidecar(daprd.httpPort);
        const serves = async () => {
          const answer = await api.call('GET', '/v1.0/state/statestore/probe').catch(() => undefined);
          return answer !== undefined && answer.status < 300;
        };
        // Within the test's own timeout, which two sidecars share, so that a failure shows daprd's log.
        await waitUntil('daprd serving the state store', serves, 50_000).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${daprd.log}`);
        });
        return { daprd, api };
      };

      const before = await sidecar(earlier);
      const saved = await before.api.call('POST', '/v1.0/state/statestore', [{ key: 'session-1', value: { step: 3 } }]);
      expect(saved.status, JSON.stringify(saved.body)).toBe(204);
      await before.daprd.stop();

      const moved = await runCli(['dapr-statestore', ...store.flags, ...store.adminFlags, '--timeout', '10']);
      expect(moved.code, moved.stdout).toBe(0);
      expect(moved.lines.find((line) => 'moved' in line)?.['moved']).toEqual(['dapr_state', 'dapr_metadata']);

      const after = await sidecar(statestore);
      expect(await after.api.call('GET', '/v1.0/state/statestore/session-1')).toEqual({ status: 200, body: { step: 3 } });
      const inPublic = await withDatabase(db, async (client) => {
        const { rows } = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        return rows.length;
      });
      expect(inPublic, 'nothing of the state store is left in public').toBe(0);
    },
  );
});
