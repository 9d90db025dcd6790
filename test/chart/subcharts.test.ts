import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../hooks/kafka/catalogue.js';
import { chartCopy, find, render, renderError, renderText, subchartsDir, type K8sObject, type RenderOptions } from '../support/chart.js';
import { kubernetesVersions, schemaErrors } from '../support/kubernetes.js';
import { admits, letsOut, podLabels } from '../support/network-policy.js';
import { parseQuantity } from '../../deploy/cluster/quantity.js';

type Container = { name: string; image: string; env?: { name: string; value?: string }[] };
const containers = (statefulSet: K8sObject) =>
  (statefulSet['spec'] as { template: { spec: { containers: Container[] } } }).template.spec.containers;
const replicas = (statefulSet: K8sObject) => (statefulSet['spec'] as { replicas: number }).replicas;
const secretVolumes = (workload: K8sObject) =>
  (workload['spec'] as { template: { spec: { volumes: { secret?: { secretName: string } }[] } } }).template.spec.volumes.flatMap(
    (volume) => (volume.secret ? [volume.secret.secretName] : []),
  );

// Needs the real dependency charts, which come from registries the build machines cannot reach.
describe('the whole release, with the real kafka, postgresql and dapr charts', () => {
  const withSubcharts = async (options: RenderOptions = {}) => ({ ...options, chart: await chartCopy({ subcharts: subchartsDir() }) });

  it.each(kubernetesVersions)('renders objects that Kubernetes %s accepts, in both Kafka modes', async (version) => {
    for (const options of [{}, { valuesFiles: ['profiles/kraft.yaml'] }, { valuesFiles: ['profiles/production.yaml'] }]) {
      expect(await schemaErrors(await renderText(await withSubcharts(options)), version)).toEqual([]);
    }
  });

  it('has the Kafka client Service our hooks connect to (ZooKeeper mode: one broker and ZooKeeper)', async () => {
    const objects = await render(await withSubcharts());
    const service = find(objects, 'Service', 'learnflow-kafka');
    expect((service['spec'] as { ports: { name: string; port: number }[] }).ports).toContainEqual(
      expect.objectContaining({ name: 'tcp-client', port: 9092 }),
    );
    const hookEnv = (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: { containers: Container[] } } }).template
      .spec.containers[0]!.env!;
    expect(hookEnv.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KAFKA_BROKERS')?.value).toBe(
      'learnflow-kafka.learnflow.svc.cluster.local:9092',
    );

    const broker = find(objects, 'StatefulSet', 'learnflow-kafka-broker');
    expect(replicas(broker)).toBe(1);
    expect(containers(broker)[0]!.image).toBe('docker.io/bitnamilegacy/kafka:3.9.0-debian-12-r12');
    expect(replicas(find(objects, 'StatefulSet', 'learnflow-zookeeper'))).toBe(1);
    expect(objects.some((object) => object.metadata.name === 'learnflow-kafka-controller')).toBe(false);

    const config = (find(objects, 'ConfigMap', 'learnflow-kafka-broker-configuration')['data'] as Record<string, string>)[
      'server.properties'
    ]!;
    expect(config).toContain('listener.security.protocol.map=CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT');
    for (const setting of [
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'auto.create.topics.enable=false',
    ]) {
      expect(config).toContain(setting);
    }
  });

  it("gives Kafka's internal topics and new topics replicas that follow the number of brokers, in both modes", async () => {
    const settings = async (options: RenderOptions, configMap: string) => {
      const properties = (find(await render(await withSubcharts(options)), 'ConfigMap', configMap)['data'] as Record<string, string>)[
        'server.properties'
      ]!;
      const keys = ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'default.replication.factor'];
      const isr = ['transaction.state.log.min.isr', 'min.insync.replicas'];
      return [...keys, ...isr].map((key) => new RegExp(`^${key.replaceAll('.', '\\.')}=(\\d+)$`, 'm').exec(properties)?.[1]).join(' ');
    };
    const broker = 'learnflow-kafka-broker-configuration';
    const controller = 'learnflow-kafka-controller-configuration';
    const kraft = ['profiles/kraft.yaml'];
    expect(await settings({}, broker)).toBe('1 1 1 1 1');
    expect(await settings({ set: ['kafka.broker.replicaCount=2'] }, broker)).toBe('2 2 2 1 1');
    expect(await settings({ set: ['kafka.broker.replicaCount=3'] }, broker)).toBe('3 3 3 2 2');
    expect(await settings({ set: ['kafka.broker.replicaCount=5'] }, broker)).toBe('3 3 3 2 2');
    expect(await settings({ valuesFiles: kraft }, controller)).toBe('1 1 1 1 1');
    expect(await settings({ valuesFiles: kraft, set: ['kafka.controller.replicaCount=3'] }, controller)).toBe('3 3 3 2 2');
  });

  it('in the production profile: three KRaft nodes, topics at 3 replicas, disruption budgets, daily backups, Dapr apart', async () => {
    const objects = await render(await withSubcharts({ valuesFiles: ['profiles/production.yaml'] }));
    const kafka = find(objects, 'StatefulSet', 'learnflow-kafka-controller');
    expect(replicas(kafka)).toBe(3);
    expect(objects.some((object) => object.kind === 'StatefulSet' && /zookeeper|broker/.test(object.metadata.name))).toBe(false);
    const affinity = (kafka['spec'] as { template: { spec: { affinity: { podAntiAffinity: Record<string, unknown[]> } } } }).template.spec
      .affinity.podAntiAffinity;
    expect(affinity['requiredDuringSchedulingIgnoredDuringExecution']).toEqual([
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname' }),
    ]);
    const properties = (find(objects, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)[
      'server.properties'
    ]!;
    for (const setting of ['offsets.topic.replication.factor=3', 'transaction.state.log.min.isr=2', 'min.insync.replicas=2']) {
      expect(properties).toContain(setting);
    }
    const catalogue = parseCatalogue(
      (find(objects, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>)['topics.json']!,
      'ConfigMap',
    );
    expect(new Set(catalogue.map((topic) => `${topic.replicationFactor} ${topic.config['min.insync.replicas']}`))).toEqual(
      new Set(['3 2']),
    );
    // At most one Pod of each at a time (Dapr's 25% of three rounds up to one), Dapr's in the control plane's own release.
    const budgets = (of: readonly K8sObject[]) =>
      of
        .filter((object) => object.kind === 'PodDisruptionBudget')
        .map((budget) => `${budget.metadata.name} ${String((budget['spec'] as { maxUnavailable: unknown }).maxUnavailable)}`)
        .sort();
    expect(budgets(objects)).toEqual(['learnflow-kafka-controller 1', 'learnflow-postgresql 1']);
    expect(objects.some((object) => object.kind === 'Deployment' && object.metadata.name.startsWith('dapr-'))).toBe(false);
    const controlPlane = await render(
      await withSubcharts({
        release: 'dapr',
        namespace: 'dapr-system',
        valuesFiles: ['profiles/production.yaml', 'profiles/dapr-control-plane.yaml'],
      }),
    );
    expect(budgets(controlPlane)).toEqual([
      'dapr-operator-disruption-budget 25%',
      'dapr-placement-server-disruption-budget 25%',
      'dapr-scheduler-server-disruption-budget 25%',
      'dapr-sentry-budget 25%',
      'dapr-sidecar-injector-disruption-budget 25%',
    ]);
    // Dapr alone there: nothing of LearnFlow's own, no hook, no check.
    expect(controlPlane.filter((object) => object.metadata.labels?.['app.kubernetes.io/part-of'] === 'learnflow')).toEqual([]);
    expect(controlPlane.filter((object) => object.metadata.annotations?.['helm.sh/hook'])).toEqual([]);
    const backup = find(objects, 'CronJob', 'learnflow-postgresql-pgdumpall');
    expect((backup['spec'] as { schedule: string }).schedule).toBe('@daily');
    // Test users off.
    const seedEnv = (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: { containers: Container[] } } }).template
      .spec.containers[0]!.env!;
    expect(seedEnv.find((variable) => variable.name === 'LEARNFLOW_HOOKS_TEST_USERS')?.value).toBe('false');
    // ... and no password is made for them.
    const credentialsEnv = (
      find(objects, 'Job', 'learnflow-credentials-hook')['spec'] as { template: { spec: { containers: Container[] } } }
    ).template.spec.containers[0]!.env!;
    expect(credentialsEnv.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KEYS')?.value).toBe(
      'postgres-password,password,services-password,dapr-password,client-passwords,inter-broker-password,controller-password',
    );
  });

  it('has PostgreSQL reading the credentials Secret, behind the Service our hooks use', async () => {
    const objects = await render(await withSubcharts());
    const service = find(objects, 'Service', 'learnflow-postgresql');
    expect((service['spec'] as { ports: { port: number }[] }).ports).toContainEqual(expect.objectContaining({ port: 5432 }));
    const hookEnv = (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: { containers: Container[] } } }).template
      .spec.containers[0]!.env!;
    expect(hookEnv.find((variable) => variable.name === 'LEARNFLOW_HOOKS_POSTGRESQL_HOST')?.value).toBe(
      'learnflow-postgresql.learnflow.svc.cluster.local',
    );

    const postgres = find(objects, 'StatefulSet', 'learnflow-postgresql');
    const container = containers(postgres)[0]!;
    expect(container.image).toBe('docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4');
    const env = container.env as { name: string; value?: string }[];
    const value = (name: string) => env.find((variable) => variable.name === name)?.value;
    // The chart reads the passwords as files from the credentials Secret, by our key names.
    expect(secretVolumes(postgres)).toEqual(['learnflow-credentials']);
    expect(value('POSTGRES_PASSWORD_FILE')).toBe('/opt/bitnami/postgresql/secrets/password');
    expect(value('POSTGRES_POSTGRES_PASSWORD_FILE')).toBe('/opt/bitnami/postgresql/secrets/postgres-password');
    expect(env.find((variable) => variable.name === 'POSTGRES_USER')?.value).toBe('learnflow');
    expect(env.find((variable) => variable.name === 'POSTGRES_DATABASE')?.value).toBe('learnflow');
    // No password is rendered: they exist only in the hook-made Secret. (Dapr's trust bundle is an
    // empty Secret that its sentry fills in at run time.)
    const secrets = objects.filter((object) => object.kind === 'Secret');
    expect(secrets.map((secret) => secret.metadata.name)).toEqual(['dapr-trust-bundle']);
    expect(secrets.filter((secret) => secret['data'] || secret['stringData'])).toEqual([]);
    const claims = (postgres['spec'] as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] })
      .volumeClaimTemplates;
    expect(claims[0]?.spec.resources.requests.storage).toBe('8Gi');
  });

  it('claims at most 20 GiB of volumes by default: Kafka 8, ZooKeeper 1, PostgreSQL 8, the Dapr scheduler 3 × 1', async () => {
    type Claimed = { spec: { replicas?: number; volumeClaimTemplates?: { spec: { resources: { requests: { storage: string } } } }[] } };
    const claims = (await render(await withSubcharts()))
      .filter((object) => object.kind === 'StatefulSet' && (object['spec'] as Claimed['spec']).volumeClaimTemplates)
      .map((object) => {
        const { replicas = 1, volumeClaimTemplates = [] } = (object as unknown as Claimed).spec;
        const each = volumeClaimTemplates.map((claim) => parseQuantity(claim.spec.resources.requests.storage) / 2 ** 30);
        return [object.metadata.name, replicas * each.reduce((sum, size) => sum + size, 0)] as const;
      });
    expect(Object.fromEntries(claims)).toEqual({
      'learnflow-kafka-broker': 8,
      'learnflow-zookeeper': 1,
      'learnflow-postgresql': 8,
      'dapr-scheduler-server': 3,
    });
    expect(claims.reduce((sum, [, size]) => sum + size, 0)).toBeLessThanOrEqual(20);
  });

  it("lets only the release's clients (our hooks and checks, and labelled services) reach Kafka and PostgreSQL", async () => {
    const objects = await render(await withSubcharts());
    const hookLabels = podLabels(find(objects, 'Job', 'learnflow-reconcile'));
    const stranger = { 'app.kubernetes.io/name': 'something-else', 'app.kubernetes.io/instance': 'learnflow' };
    for (const [name, port] of [
      ['learnflow-kafka', 9092],
      ['learnflow-postgresql', 5432],
    ] as const) {
      const policy = find(objects, 'NetworkPolicy', name);
      expect(admits(policy, hookLabels, port), name).toBe(true);
      expect(admits(policy, stranger, port), name).toBe(false);
    }
  });

  it.each([
    ['ZooKeeper', [], 'learnflow-kafka-broker'],
    ['KRaft', ['profiles/kraft.yaml'], 'learnflow-kafka-controller'],
  ])(
    "lets the hook and check Pods reach this release's Kafka, PostgreSQL and Dapr control plane Pods and CoreDNS " +
      'on their ports, and no other Pod there (%s mode)',
    async (_mode, profiles, brokers) => {
      const objects = await render(await withSubcharts({ valuesFiles: profiles }));
      const hooks = find(objects, 'NetworkPolicy', 'learnflow-hooks');
      const pods = (kind: string, name: string) => podLabels(find(objects, kind, name));
      const coreDns = { 'k8s-app': 'kube-dns' };
      const reached = [
        [pods('StatefulSet', brokers), 9092],
        [pods('StatefulSet', 'learnflow-postgresql'), 5432],
        [pods('Deployment', 'dapr-sentry'), 50001],
        [pods('Deployment', 'dapr-operator'), 6500],
        [pods('StatefulSet', 'dapr-placement-server'), 50005],
        [pods('StatefulSet', 'dapr-scheduler-server'), 50006],
      ] as const;
      for (const [labels, port] of reached) expect(letsOut(hooks, labels, port), `${JSON.stringify(labels)}:${port}`).toBe(true);
      expect(letsOut(hooks, coreDns, 53, 'kube-system')).toBe(true);
      // The same ports on any other Pod are closed: the hooks' own, a stranger's, another of the release's.
      const others = [pods('Job', 'learnflow-reconcile'), {}, pods('StatefulSet', 'learnflow-postgresql'), coreDns];
      for (const [, port] of reached) {
        for (const labels of others.filter((other) => !reached.some(([target, open]) => target === other && open === port))) {
          expect(letsOut(hooks, labels, port), `${JSON.stringify(labels)}:${port}`).toBe(false);
        }
      }
      expect(letsOut(hooks, coreDns, 53, 'default'), 'kube-dns labels outside kube-system').toBe(false);
    },
  );

  it('lets only the brokers reach ZooKeeper: not the Kafka clients, not any other Pod', async () => {
    const objects = await render(await withSubcharts());
    const zookeeper = find(objects, 'NetworkPolicy', 'learnflow-zookeeper');
    const client = 2181;
    expect(admits(zookeeper, podLabels(find(objects, 'StatefulSet', 'learnflow-kafka-broker')), client)).toBe(true);
    for (const [kind, name] of [
      ['Pod', 'learnflow-kafka-check'],
      ['Job', 'learnflow-reconcile'],
      ['Job', 'learnflow-dapr-check'],
      ['StatefulSet', 'learnflow-postgresql'],
    ] as const) {
      expect(admits(zookeeper, podLabels(find(objects, kind, name)), client), `${kind} ${name}`).toBe(false);
    }
    expect(admits(zookeeper, {}, client), 'a Pod without labels').toBe(false);
    // ZooKeeper's own nodes still reach each other.
    expect(admits(zookeeper, podLabels(find(objects, 'StatefulSet', 'learnflow-zookeeper')), client)).toBe(true);
  });

  it.each([
    ['ZooKeeper', [], 'learnflow-kafka-broker'],
    ['KRaft', ['profiles/kraft.yaml'], 'learnflow-kafka-controller'],
  ])(
    'with SASL (profiles/kafka-sasl.yaml, %s mode), authenticates on every listener, with passwords Kafka reads ' +
      'from the credentials Secret that its hook makes and nothing renders at random',
    async (_mode, profiles, statefulSet) => {
      const objects = await render(await withSubcharts({ valuesFiles: [...profiles, 'profiles/kafka-sasl.yaml'] }));
      // The Bitnami chart makes no Secret of its own (whose passwords would change on every render).
      expect(objects.filter((object) => object.kind === 'Secret').map((object) => object.metadata.name)).not.toContain(
        'learnflow-kafka-user-passwords',
      );
      const config = (find(objects, 'ConfigMap', `${statefulSet}-configuration`)['data'] as Record<string, string>)['server.properties']!;
      const protocols = /^listener\.security\.protocol\.map=(.*)$/m.exec(config)![1]!.split(',');
      expect(protocols.length).toBeGreaterThanOrEqual(2);
      for (const entry of protocols) expect(entry).toMatch(/^[A-Z]+:SASL_PLAINTEXT$/);
      // Every Secret key the Kafka Pods read, the credentials hook generates.
      type EnvVar = { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
      const spec = (find(objects, 'StatefulSet', statefulSet)['spec'] as { template: { spec: { initContainers?: Container[] } } }).template
        .spec;
      const read = [...containers(find(objects, 'StatefulSet', statefulSet)), ...(spec.initContainers ?? [])]
        .flatMap((container) => (container as unknown as { env?: EnvVar[] }).env ?? [])
        .flatMap((variable) =>
          variable.valueFrom?.secretKeyRef?.name === 'learnflow-credentials' ? [variable.valueFrom.secretKeyRef.key] : [],
        );
      const keys = (
        find(objects, 'Job', 'learnflow-credentials-hook')['spec'] as { template: { spec: { containers: Container[] } } }
      ).template.spec.containers[0]!.env!.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KEYS')!.value!.split(',');
      expect(new Set(read)).toEqual(
        new Set(['client-passwords', 'inter-broker-password', ...(profiles.length > 0 ? ['controller-password'] : [])]),
      );
      expect(keys).toEqual(expect.arrayContaining([...new Set(read)]));
    },
  );

  it('refuses a SASL client listener beside a plain-text inter-broker or controller listener, which would bypass it', async () => {
    const plain = (listener: string) => ({
      valuesFiles: ['profiles/kraft.yaml', 'profiles/kafka-sasl.yaml'],
      set: [`kafka.listeners.${listener}.protocol=PLAINTEXT`],
    });
    expect(await renderError(await withSubcharts(plain('interbroker')))).toContain(
      'kafka.listeners.interbroker.protocol PLAINTEXT while the client listener uses SASL: ' +
        'any Pod that reaches Kafka could bypass the password on the interbroker port; set it to SASL_PLAINTEXT',
    );
    expect(await renderError(await withSubcharts(plain('controller')))).toContain('kafka.listeners.controller.protocol PLAINTEXT');
  });

  it.each([[], ['profiles/kraft.yaml'], ['profiles/kafka-sasl.yaml']])(
    'renders the same every time, as Argo CD needs (profiles/gitops.yaml and %j)',
    async (...profile) => {
      const options = await withSubcharts({ valuesFiles: ['profiles/gitops.yaml', ...profile] });
      expect(await renderText(options)).toBe(await renderText(options));
    },
  );

  it('reads a Secret the user names instead, everywhere', async () => {
    const objects = await render(await withSubcharts({ set: ['global.learnflow.credentialsSecret=team-db-secrets'] }));
    expect(secretVolumes(find(objects, 'StatefulSet', 'learnflow-postgresql'))).toEqual(['team-db-secrets']);
    expect(secretVolumes(find(objects, 'Job', 'learnflow-reconcile'))).toEqual(['team-db-secrets']);
    expect(objects.some((object) => object.metadata.name === 'learnflow-credentials-hook')).toBe(false);
  });

  it('runs one combined KRaft node with the kraft profile', async () => {
    const objects = await render(await withSubcharts({ valuesFiles: ['profiles/kraft.yaml'] }));
    expect(find(objects, 'Service', 'learnflow-kafka')).toBeDefined();
    expect(replicas(find(objects, 'StatefulSet', 'learnflow-kafka-controller'))).toBe(1);
    expect(
      objects
        .filter((object) => object.kind === 'StatefulSet' && object.metadata.name.includes('kafka'))
        .map((object) => object.metadata.name),
    ).toEqual(['learnflow-kafka-controller']);
    expect(objects.some((object) => object.metadata.name.includes('zookeeper'))).toBe(false);
    const config = (find(objects, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)[
      'server.properties'
    ]!;
    expect(config).toContain('process.roles=controller,broker');
  });
});
