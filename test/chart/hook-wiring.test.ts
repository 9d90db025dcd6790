import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseCatalogue } from '../../hooks/kafka/catalogue.js';
import { checkPrefix } from '../../hooks/kafka/round-trip.js';
import { find, render, type K8sObject, type RenderOptions } from '../support/chart.js';
import { failure, passedChecks } from '../support/cli.js';
import { seededTopics } from '../support/contract.js';
import { reconcileApiAccess } from '../support/hook-account.js';
import { repoRoot } from '../support/paths.js';
import { runContainer, type LocalServices, type PodSpec } from '../support/pod.js';
import { kafkaModes, type KafkaMode } from '../support/kafka-server.js';
import { expectTopicsAsDeclared, withTestAdmin } from '../support/kafka-admin.js';
import { statestoreFor, freshDatabase, servicesRoleFor, type TestDatabase } from '../support/postgresql-server.js';

const profiles: Record<KafkaMode, RenderOptions> = { zookeeper: {}, kraft: { valuesFiles: ['profiles/kraft.yaml'] } };
const inClusterBrokers = 'learnflow-kafka.learnflow.svc.cluster.local:9092';

const jobSpec = (job: K8sObject) => (job['spec'] as { template: { spec: PodSpec } }).template.spec;

describe.each(kafkaModes)('the rendered hook and check, run by the real program (%s mode)', (mode) => {
  const brokers = inject('kafkaBrokers')[mode];
  const kafka = { substitutions: { [inClusterBrokers]: brokers } };
  // The reconcile Job with its PostgreSQL parts off: the Kafka part alone.
  const topicsOnly = { ...profiles[mode], set: ['postgresqlSchema.enabled=false', 'daprComponents.enabled=false'] };

  it('create the catalogue topics, then verify them and a round trip that leaves them empty', { timeout: 120_000 }, async () => {
    const objects = await render(topicsOnly);
    const hook = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-reconcile')), {
      ...kafka,
      apiAccess: await reconcileApiAccess(),
    });
    expect(hook.code, hook.stdout).toBe(0);

    const check = await runContainer(objects, find(objects, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, kafka);
    expect(check.code, check.stdout).toBe(0);
    // A transient failure may repeat a step; what counts is that both passed.
    expect(new Set(passedChecks(check))).toEqual(new Set(['topics', 'round-trip']));
    expect(check.lines.at(-1)?.msg).toBe('kafka check passed');

    const configMap = find(objects, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>;
    const topics = parseCatalogue(configMap['topics.json']!, 'ConfigMap');
    await expectTopicsAsDeclared(brokers, topics);
    // Other tests' checks share the broker: this check's own temporary topic is the one that must be gone.
    const temporary = check.lines.find((line) => line['check'] === 'round-trip')?.['topic'] as string;
    expect(temporary.startsWith(checkPrefix)).toBe(true);
    expect(await withTestAdmin(brokers, async (admin) => (await admin.listTopics()).filter((name) => name === temporary))).toEqual([]);
  });

  it('fails the check, naming the topic, when a topic drifted', async () => {
    const objects = await render(topicsOnly);
    const hook = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-reconcile')), {
      ...kafka,
      apiAccess: await reconcileApiAccess(),
    });
    expect(hook.code).toBe(0);
    const drifted = await render({
      ...profiles[mode],
      set: ['kafkaTopics.topics.learning\\.query.partitions=5', 'tests.kafka.timeoutSeconds=5'],
    });
    const check = await runContainer(drifted, find(drifted, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, kafka);
    expect(check.code).toBe(1);
    expect(failure(check).msg).toContain('difference(s) between Kafka and the topic catalogue: add partitions to learning.query: 3 -> 5');
    expect(failure(check).hint).toContain('run helm upgrade to run it again');

    // Fewer partitions than Kafka holds, as after a rollback: no run of the hook would make it.
    const shrunk = await render({
      ...profiles[mode],
      set: ['kafkaTopics.topics.learning\\.query.partitions=2', 'tests.kafka.timeoutSeconds=5'],
    });
    const refused = await runContainer(shrunk, find(shrunk, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, kafka);
    expect(refused.code).toBe(1);
    expect(failure(refused).msg).toContain('refuse to change learning.query: it has 3 partitions and the catalogue asks for 2');
    expect(failure(refused).hint).toMatch(/^no run of the hook makes what it refuses: change the values as each refusal says/);
  });
});

describe('the rendered database hooks and check, run by the real program', () => {
  const server = inject('postgresql');
  /** The chart for a test database, with its state store's own role (roles are per server), and its Secret's keys. */
  const forDatabase = async (db: TestDatabase, set: string[]) => {
    const [store, services] = await Promise.all([statestoreFor(server, db), servicesRoleFor(server, db)]);
    const objects = await render({
      set: [
        `postgresql.auth.database=${db.database}`,
        `postgresql.auth.username=${db.user}`,
        `daprComponents.statestore.username=${store.role}`,
        `postgresqlSchema.servicesUsername=${services.role}`,
        ...set,
      ],
    });
    return {
      objects,
      credentials: {
        password: db.password,
        'postgres-password': server.superuserPassword,
        'dapr-password': store.password,
        'services-password': services.password,
      },
    };
  };

  it('migrate and seed a fresh database and make the Dapr state store, then the check passes', { timeout: 120_000 }, async () => {
    const db = await freshDatabase(server);
    const rendered = await forDatabase(db, ['kafkaTopics.enabled=false', 'postgresqlSchema.testUsers.enabled=true']);
    const objects = rendered.objects;
    const credentials = {
      ...rendered.credentials,
      'test-admin-password': 'admin-secret-1',
      'test-teacher-password': 'teacher-secret-1',
      'test-student-password': 'student-secret-1',
    };
    const local: LocalServices = {
      substitutions: { 'learnflow-postgresql.learnflow.svc.cluster.local': db.host, '5432': String(db.port) },
      secrets: { 'learnflow-credentials': credentials },
    };
    const result = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-reconcile')), local);
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.filter((line) => line['part']).map((line) => line['part'])).toEqual(
      expect.arrayContaining(['postgresql-migrate', 'postgresql-seed', 'postgresql-services-role', 'dapr-statestore']),
    );
    const done = result.lines.at(-1)!;
    expect(done.msg).toBe('done: postgresql-migrate, postgresql-seed, postgresql-services-role, dapr-statestore');
    // The program's own time, from its start, which the node benchmark reads.
    expect(done['startupMs']).toBeGreaterThan(0);
    expect(done['elapsedMs']).toBeGreaterThan(done['startupMs'] as number);
    expect(done['elapsedMs']).toBeLessThan(result.elapsedMs);
    const check = await runContainer(objects, find(objects, 'Pod', 'learnflow-postgresql-check')['spec'] as PodSpec, local);
    expect(check.code, check.stdout).toBe(0);
    expect(check.lines.at(-1)?.msg).toBe('postgresql check passed');
  });

  it('run Kafka and PostgreSQL side by side: a Kafka that never answers fails its part alone', { timeout: 120_000 }, async () => {
    const db = await freshDatabase(server);
    // One budget for both sides: long enough for the database parts on a loaded machine, and the wait Kafka fails after.
    const { objects, credentials } = await forDatabase(db, ['hooks.waitTimeoutSeconds=20']);
    const local: LocalServices = {
      // A closed port on this machine: every connection is refused, which the hook waits out.
      substitutions: {
        'learnflow-postgresql.learnflow.svc.cluster.local': db.host,
        '5432': String(db.port),
        [inClusterBrokers]: '127.0.0.1:9',
      },
      secrets: { 'learnflow-credentials': credentials },
      apiAccess: await reconcileApiAccess(),
    };
    const result = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-reconcile')), local);
    expect(result.code, result.stdout).toBe(1);
    expect(result.lines.some((line) => line['part'] === 'postgresql-migrate' && String(line.msg).startsWith('applied '))).toBe(true);
    const seeded = `seeded ${seededTopics.length} topics`;
    expect(result.lines.some((line) => line['part'] === 'postgresql-seed' && String(line.msg).startsWith(seeded))).toBe(true);
    expect(result.lines.some((line) => line['part'] === 'dapr-statestore' && String(line.msg).includes('is as declared'))).toBe(true);
    expect(failure(result).msg).toMatch(/^kafka-topics failed: /);
    expect(failure(result).msg).not.toContain('postgres');
  });

  it('name the Secret and key when the password is wrong', async () => {
    const db = await freshDatabase(server);
    const objects = await render({
      set: [
        `postgresql.auth.database=${db.database}`,
        `postgresql.auth.username=${db.user}`,
        'kafkaTopics.enabled=false',
        'daprComponents.enabled=false',
      ],
    });
    const local: LocalServices = {
      substitutions: { 'learnflow-postgresql.learnflow.svc.cluster.local': db.host, '5432': String(db.port) },
      secrets: { 'learnflow-credentials': { password: 'wrong' } },
    };
    const result = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-reconcile')), local);
    expect(result.code).toBe(1);
    expect(failure(result).msg).toMatch(/^postgresql-migrate failed: .*; not run after that: postgresql-seed, postgresql-services-role$/);
    expect(failure(result).hint).toContain('the password comes from Secret learnflow-credentials, key password');
  });
});

describe('the contract between the chart and the hooks program', () => {
  it('is written in one place: every LEARNFLOW_HOOKS_* variable of a template comes from templates/_env.tpl', async () => {
    const files = (await readdir(join(repoRoot, 'templates'), { recursive: true })).filter((file) => /\.(yaml|tpl)$/.test(file));
    const inline: string[] = [];
    for (const file of files.filter((name) => name !== '_env.tpl')) {
      const text = await readFile(join(repoRoot, 'templates', file), 'utf8');
      if (text.includes('LEARNFLOW_HOOKS_')) inline.push(file);
    }
    expect(inline).toEqual([]);
    expect(await readFile(join(repoRoot, 'templates/_env.tpl'), 'utf8')).toContain('LEARNFLOW_HOOKS_KAFKA_BROKERS');
  });
});
