import { afterEach, describe, expect, inject, it } from 'vitest';
import { find, render } from '../support/chart.js';
import { failure } from '../support/cli.js';
import { Daprd } from '../support/daprd.js';
import { KafkaServer } from '../support/kafka-server.js';
import { withTestAdmin } from '../support/kafka-admin.js';
import { runContainer, type PodSpec } from '../support/pod.js';
import { freePorts } from '../support/ports.js';
import { freshDatabase, PostgresqlServer, type TestDatabase } from '../support/postgresql-server.js';
import { checkPrefix } from '../../hooks/kafka/round-trip.js';

const sidecars: Daprd[] = [];
afterEach(async () => {
  await Promise.all(sidecars.splice(0).map((daprd) => daprd.stop()));
});

const inClusterKafka = 'learnflow-kafka.learnflow.svc.cluster.local:9092';
const inClusterPostgresql = 'host=learnflow-postgresql.learnflow.svc.cluster.local port=5432';

/**
 * The chart's Dapr components and check Job as rendered, run for real: daprd (self-hosted) loads
 * the components, and the Job's container runs beside it with its own environment, as in the Pod.
 */
async function runCheck(kafka: string, postgres: { host: string; port: number }, db: TestDatabase, timeoutSeconds = 60) {
  const objects = await render({
    set: [`postgresql.auth.database=${db.database}`, `postgresql.auth.username=${db.user}`, `tests.dapr.timeoutSeconds=${timeoutSeconds}`],
  });
  const components = objects.filter((object) => object.kind === 'Component');
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
    secrets: { 'learnflow-credentials': { password: db.password } },
    substitutions: { [inClusterKafka]: kafka, [inClusterPostgresql]: `host=${postgres.host} port=${postgres.port}` },
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
    expect(check.lines.filter((line) => line['ok'] === true).map((line) => line['check'])).toEqual([
      'sidecar',
      'components',
      'state',
      'pubsub',
    ]);
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
    expect(failure(check).hint).toContain('the state store when PostgreSQL is unreachable or rejects the password');
  });

  it('names Kafka when the broker is not reachable', { timeout: 120_000 }, async () => {
    const stopped = await KafkaServer.allocate('dapr-no-kafka', 'kraft');
    const db = await freshDatabase(inject('postgresql'));
    const { check } = await runCheck(stopped.bootstrap, inject('postgresql'), db, 8);
    expect(check.code).toBe(1);
    expect(failure(check).msg).toContain(`cannot reach the Kafka broker ${stopped.bootstrap}`);
  });
});
