import { describe, expect, it } from 'vitest';
import { find, helm, ownChartDir, render, renderText, type K8sObject, type RenderOptions } from '../support/chart.js';
import { kubernetesVersions, schemaErrors } from '../support/kubernetes.js';

const profiles: Record<string, RenderOptions> = {
  default: {},
  kraft: { valuesFiles: ['profiles/kraft.yaml'] },
};

type Container = { name: string; securityContext: Record<string, unknown>; resources: { requests: object; limits: object }; image: string };
type PodSpec = { securityContext: Record<string, unknown>; automountServiceAccountToken: boolean; containers: Container[] };

function podSpecs(objects: readonly K8sObject[]): [string, PodSpec][] {
  return objects.flatMap((object): [string, PodSpec][] => {
    if (object.kind === 'Pod') return [[`Pod/${object.metadata.name}`, object['spec'] as PodSpec]];
    if (object.kind === 'Job') return [[`Job/${object.metadata.name}`, (object['spec'] as { template: { spec: PodSpec } }).template.spec]];
    return [];
  });
}

/** The hooks program's arguments in the reconcile Job: the parts it runs. */
const reconcileArgs = (objects: readonly K8sObject[]) =>
  (find(objects, 'Job', 'learnflow-reconcile')['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec
    .containers[0]!.args;

describe.each(Object.entries(profiles))('the chart (own templates, %s profile)', (_profile, options) => {
  it('passes helm lint --strict', async () => {
    const args = ['lint', '--strict', await ownChartDir(), ...(options.valuesFiles ?? []).flatMap((file) => ['-f', file])];
    const result = await helm(args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each(kubernetesVersions)('renders objects that Kubernetes %s accepts (API schemas, strict)', async (version) => {
    expect(await schemaErrors(await renderText(options), version)).toEqual([]);
  });

  it('renders the hooks, their inputs and the checks', async () => {
    const objects = await render(options);
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'Component/pubsub-kafka',
      'Component/statestore',
      'ConfigMap/learnflow-connection',
      'ConfigMap/learnflow-kafka-topics',
      'ConfigMap/learnflow-migrations',
      'ConfigMap/learnflow-seeds',
      'Job/learnflow-credentials-hook',
      'Job/learnflow-dapr-check',
      'Job/learnflow-reconcile',
      'NetworkPolicy/learnflow-hooks',
      'Pod/learnflow-kafka-check',
      'Pod/learnflow-postgresql-check',
      'Role/learnflow-credentials-hook',
      'Role/learnflow-reconcile',
      'RoleBinding/learnflow-credentials-hook',
      'RoleBinding/learnflow-reconcile',
      'ServiceAccount/learnflow-credentials-hook',
      'ServiceAccount/learnflow-hooks',
      'ServiceAccount/learnflow-reconcile',
    ]);
    const hook = (kind: string, name: string) => find(objects, kind, name).metadata.annotations;
    expect(hook('Job', 'learnflow-credentials-hook')).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '-10',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
      'helm.sh/hook-output-log-policy': 'hook-failed',
    });
    expect(hook('Job', 'learnflow-reconcile')).toMatchObject({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '0',
      'helm.sh/hook-output-log-policy': 'hook-failed',
    });
    expect(reconcileArgs(objects)).toEqual([
      'reconcile',
      'kafka-topics',
      'postgresql-migrate',
      'postgresql-seed',
      'postgresql-services-role',
      'dapr-statestore',
    ]);
    for (const pod of ['learnflow-kafka-check', 'learnflow-postgresql-check'])
      expect(hook('Pod', pod)).toMatchObject({ 'helm.sh/hook': 'test' });
    expect(hook('Job', 'learnflow-dapr-check')).toMatchObject({ 'helm.sh/hook': 'test', 'helm.sh/hook-output-log-policy': 'hook-failed' });
  });
});

describe('hook and test Pods', () => {
  it('meet the restricted Pod Security Standard, have requests and limits; only two hooks get an API token', async () => {
    const pods = podSpecs(await render());
    expect(pods).toHaveLength(5);
    for (const [name, spec] of pods) {
      expect(spec.automountServiceAccountToken, name).toBe(['Job/learnflow-credentials-hook', 'Job/learnflow-reconcile'].includes(name));
      expect(spec.securityContext, name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const container of spec.containers) {
        expect(container.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources, name).toEqual({
          requests: { cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) },
          limits: { cpu: expect.any(String), memory: expect.any(String), 'ephemeral-storage': expect.any(String) },
        });
      }
    }
  });

  it('mount only the credentials keys each one reads: never the whole Secret, the superuser only where a role is made', async () => {
    type Volume = { name: string; secret?: { secretName: string; items?: { key: string }[] } };
    const credentialKeys = (objects: readonly K8sObject[]) =>
      Object.fromEntries(
        podSpecs(objects).flatMap(([name, spec]) =>
          ((spec as PodSpec & { volumes?: Volume[] }).volumes ?? [])
            .filter((volume) => volume.secret?.secretName === 'learnflow-credentials')
            .map((volume) => [name, volume.secret!.items?.map((item) => item.key)]),
        ),
      );
    expect(credentialKeys(await render())).toEqual({
      'Job/learnflow-reconcile': ['password', 'services-password', 'dapr-password', 'postgres-password'],
      'Pod/learnflow-postgresql-check': ['password'],
    });
    expect(credentialKeys(await render({ set: ['postgresqlSchema.testUsers.enabled=true'] }))['Job/learnflow-reconcile']).toEqual([
      'password',
      'services-password',
      'test-admin-password',
      'test-teacher-password',
      'test-student-password',
      'test-users-key',
      'dapr-password',
      'postgres-password',
    ]);
    // An existing PostgreSQL: no superuser's password to mount.
    const existing = await render({ set: ['postgresql.enabled=false', 'postgresqlSchema.host=db.example.com'] });
    expect(credentialKeys(existing)['Job/learnflow-reconcile']).toEqual(['password', 'services-password', 'dapr-password']);
  });

  it('seed no test user by default, nor make a password for one; values turn them on for development', async () => {
    type Env = { name: string; value: string }[];
    const envOf = (objects: readonly K8sObject[], job: string) =>
      Object.fromEntries(
        (find(objects, 'Job', job)['spec'] as { template: { spec: { containers: { env: Env }[] } } }).template.spec.containers[0]!.env.map(
          ({ name, value }) => [name, value],
        ),
      );
    const byDefault = await render();
    expect(envOf(byDefault, 'learnflow-reconcile')['LEARNFLOW_HOOKS_TEST_USERS']).toBe('false');
    expect(envOf(byDefault, 'learnflow-credentials-hook')['LEARNFLOW_HOOKS_KEYS']).not.toMatch(/test-/);
    const development = await render({ set: ['postgresqlSchema.testUsers.enabled=true'] });
    expect(envOf(development, 'learnflow-reconcile')['LEARNFLOW_HOOKS_TEST_USERS']).toBe('true');
    expect(envOf(development, 'learnflow-credentials-hook')['LEARNFLOW_HOOKS_KEYS']).toContain('test-admin-password');
  });

  it('run the hooks image of the chart appVersion, or the digest or registry the user names', async () => {
    const image = async (set: string[]) => podSpecs(await render({ set }))[0]![1].containers[0]!.image;
    expect(await image([])).toBe('ghcr.io/learnflow/learnflow-hooks:0.2.0');
    expect(await image(['global.imageRegistry=mirror.example.com'])).toBe('mirror.example.com/learnflow/learnflow-hooks:0.2.0');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(await image([`hooks.image.digest=${digest}`])).toBe(`ghcr.io/learnflow/learnflow-hooks@${digest}`);
  });

  it('change an object Argo CD compares when they alone change: their ServiceAccount carries their digest', async () => {
    // Argo CD compares no hook: without it, a commit changing only the hooks would start no automated sync.
    const digest = async (set: string[]) =>
      (find(await render({ set }), 'ServiceAccount', 'learnflow-hooks').metadata.annotations ?? {})['checksum/hooks'];
    const base = await digest([]);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await digest(['hooks.image.tag=0.2.1'])).not.toBe(base);
    expect(await digest(['tests.postgresql.timeoutSeconds=121'])).not.toBe(base);
    expect(await digest(['tests.dapr.timeoutSeconds=121'])).not.toBe(base);
    // Not what the hooks do not read: the subcharts' own values.
    expect(await digest(['postgresql.primary.persistence.size=9Gi'])).toBe(base);
  });

  it('are closed to ingress, reach only DNS and their services, and carry the Kafka and PostgreSQL client labels', async () => {
    type Egress = { ports: { port: number; protocol: string }[]; to?: unknown[] }[];
    type Policy = { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: unknown[]; egress: Egress };
    const policyOf = (objects: readonly K8sObject[]) => find(objects, 'NetworkPolicy', 'learnflow-hooks')['spec'] as Policy;
    // Each rule as its ports, and whether it names destinations.
    const rules = (egress: Egress) =>
      egress.map((rule) => `${rule.ports.map((port) => `${port.port}/${port.protocol}`).join(' ')}${rule.to ? ' to peers' : ''}`);
    const objects = await render();
    const policy = policyOf(objects);
    // Ingress with no rules admits nothing; no empty list, which the API server would drop (Argo CD then rewrites it).
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy).not.toHaveProperty('ingress');
    expect(rules(policy.egress)).toEqual([
      '53/UDP 53/TCP to peers',
      '9092/TCP to peers',
      '5432/TCP to peers',
      '443/TCP 6443/TCP 8443/TCP',
      '50001/TCP 6500/TCP 50005/TCP 50006/TCP to peers',
    ]);
    for (const object of objects.filter((candidate) => candidate.kind === 'Job' || candidate.kind === 'Pod')) {
      const labels =
        (object.kind === 'Pod'
          ? object.metadata.labels
          : (object['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels) ?? {};
      expect(labels, object.metadata.name).toMatchObject({
        ...policy.podSelector.matchLabels,
        'learnflow-kafka-client': 'true',
        'learnflow-postgresql-client': 'true',
      });
    }
    // Existing services: their ports, any address unless their Pods are named; the Pods' own ports when a Service translates them.
    const existing = [
      'kafka.enabled=false',
      'kafkaTopics.bootstrapServers=kafka-a:19092\\,kafka-b:29092',
      'postgresql.enabled=false',
      'postgresqlSchema.host=db',
      'postgresqlSchema.port=6432',
    ];
    expect(rules(policyOf(await render({ set: existing })).egress).slice(1, 3)).toEqual(['19092/TCP 29092/TCP', '6432/TCP']);
    const inCluster = policyOf(
      await render({
        set: [
          ...existing,
          'networkPolicy.kafkaPorts[0]=9094',
          'networkPolicy.kafkaPeers[0].namespaceSelector.matchLabels.team=data',
          'networkPolicy.postgresqlPorts[0]=5433',
          'networkPolicy.postgresqlPeers[0].ipBlock.cidr=10.0.0.7/32',
        ],
      }),
    );
    expect(rules(inCluster.egress).slice(1, 3)).toEqual(['9094/TCP to peers', '5433/TCP to peers']);
    expect(inCluster.egress[2]!.to).toEqual([{ ipBlock: { cidr: '10.0.0.7/32' } }]);
    // Any address on port 53, for a DNS the peers cannot select (NodeLocal DNSCache).
    expect(rules(policyOf(await render({ set: ['networkPolicy.dnsPeers=null'] })).egress)[0]).toBe('53/UDP 53/TCP');
    // A ports list emptied in the values drops its rule: a rule without ports would open every port.
    const emptied = policyOf(await render({ values: { networkPolicy: { kubernetesApiPorts: [], daprPorts: [] } } }));
    expect(rules(emptied.egress)).toEqual(['53/UDP 53/TCP to peers', '9092/TCP to peers', '5432/TCP to peers']);
    // Only the Dapr check left: its sidecar still reaches Kafka and PostgreSQL through the components.
    const daprOnly = policyOf(
      await render({
        set: ['kafkaTopics.enabled=false', 'postgresqlSchema.enabled=false', 'tests.kafka.enabled=false', 'tests.postgresql.enabled=false'],
      }),
    );
    expect(rules(daprOnly.egress)).toEqual([
      '53/UDP 53/TCP to peers',
      '9092/TCP to peers',
      '5432/TCP to peers',
      '443/TCP 6443/TCP 8443/TCP',
      '50001/TCP 6500/TCP 50005/TCP 50006/TCP to peers',
    ]);
  });

  it('take pull secrets given as names or as {name}', async () => {
    const objects = await render({ set: ['global.imagePullSecrets[0].name=a', 'hooks.imagePullSecrets[0]=b'] });
    for (const [name, spec] of podSpecs(objects)) {
      expect((spec as unknown as { imagePullSecrets: unknown }).imagePullSecrets, name).toEqual([{ name: 'a' }, { name: 'b' }]);
    }
  });
});

describe('names', () => {
  it('stay valid and distinct for the longest release name Helm allows', async () => {
    const release = 'a-very-long-release-name-that-helm-still-accepts-53ch';
    expect(release).toHaveLength(53);
    const objects = await render({ release });
    const names = objects.map((object) => object.metadata.name);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(new Set(objects.map((object) => `${object.kind}/${object.metadata.name}`)).size).toBe(objects.length);
    // The topics ConfigMap, and the reconcile Job with its ServiceAccount, Role and RoleBinding.
    const kinds = (suffix: string) => objects.filter((object) => object.metadata.name.endsWith(suffix)).map((object) => object.kind);
    expect(kinds('-kafka-topics')).toEqual(['ConfigMap']);
    expect(kinds('-reconcile').sort()).toEqual(['Job', 'Role', 'RoleBinding', 'ServiceAccount']);
  });

  it('point the hooks at the Kafka service of the release', async () => {
    const env = async (options: RenderOptions) => {
      const job = find(await render(options), 'Job', options.set?.includes('fullnameOverride=lf') ? 'lf-reconcile' : 'learnflow-reconcile');
      const containers = (job['spec'] as { template: { spec: PodSpec } }).template.spec.containers as unknown as {
        env: { name: string; value: string }[];
      }[];
      return containers[0]!.env.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KAFKA_BROKERS')?.value;
    };
    expect(await env({ namespace: 'edu' })).toBe('learnflow-kafka.edu.svc.cluster.local:9092');
    expect(await env({ set: ['kafka.fullnameOverride=events'] })).toBe('events.learnflow.svc.cluster.local:9092');
    expect(await env({ set: ['kafka.enabled=false', 'kafkaTopics.bootstrapServers=kafka.shared:9092'] })).toBe('kafka.shared:9092');
  });

  it('turn each part off with its own switch', async () => {
    const names = async (set: string[]) => (await render({ set })).map((object) => object.metadata.name);
    expect((await names(['kafkaTopics.enabled=false'])).filter((name) => name.startsWith('learnflow-kafka'))).toEqual([]);
    expect(reconcileArgs(await render({ set: ['kafkaTopics.enabled=false'] }))).toEqual([
      'reconcile',
      'postgresql-migrate',
      'postgresql-seed',
      'postgresql-services-role',
      'dapr-statestore',
    ]);
    expect((await names(['postgresqlSchema.enabled=false'])).filter((name) => /postgres|migrations|seeds/.test(name))).toEqual([]);
    expect(reconcileArgs(await render({ set: ['postgresqlSchema.enabled=false'] }))).toEqual([
      'reconcile',
      'kafka-topics',
      'dapr-statestore',
    ]);
    expect(reconcileArgs(await render({ set: ['postgresqlSchema.enabled=false', 'daprComponents.enabled=false'] }))).toEqual([
      'reconcile',
      'kafka-topics',
    ]);
    // The Dapr state store alone: the Job still has its account and reaches PostgreSQL.
    const storeOnly = await render({ set: ['postgresqlSchema.enabled=false', 'kafkaTopics.enabled=false', 'tests.dapr.enabled=false'] });
    expect(reconcileArgs(storeOnly)).toEqual(['reconcile', 'dapr-statestore']);
    expect(find(storeOnly, 'ServiceAccount', 'learnflow-hooks').metadata.name).toBe('learnflow-hooks');
    const egress = (find(storeOnly, 'NetworkPolicy', 'learnflow-hooks')['spec'] as { egress: { ports: { port: number }[] }[] }).egress;
    expect(egress.flatMap((rule) => rule.ports.map((port) => port.port))).toContain(5432);
    expect((await names(['global.learnflow.credentialsSecret=my-secrets'])).filter((name) => name.includes('credentials'))).toEqual([]);
    expect(
      (await names(['daprComponents.enabled=false'])).filter((name) =>
        ['pubsub-kafka', 'statestore', 'learnflow-dapr-check'].includes(name),
      ),
    ).toEqual([]);
    expect(
      await names([
        'kafkaTopics.enabled=false',
        'postgresqlSchema.enabled=false',
        'credentials.hook.enabled=false',
        'daprComponents.enabled=false',
      ]),
    ).toEqual([]);
  });

  it('read the deprecated database.* keys as postgresqlSchema.*, and warn', async () => {
    const renamed = { host: 'host', port: 'port', name: 'database', user: 'username', 'testUsers.enabled': 'testUsers.enabled' };
    const value = { host: 'db', port: '6432', name: 'app', user: 'app', 'testUsers.enabled': 'false' };
    const keys = Object.keys(renamed) as (keyof typeof renamed)[];
    const external = ['postgresql.enabled=false'];
    const old = await renderText({ set: [...external, ...keys.map((key) => `database.${key}=${value[key]}`)] });
    expect(old).toBe(await renderText({ set: [...external, ...keys.map((key) => `postgresqlSchema.${renamed[key]}=${value[key]}`)] }));
    expect(old).toContain('"6432"');
    const notes = async (set: string[]) => {
      const args = ['install', 'learnflow', await ownChartDir(), '--dry-run=client', ...set.flatMap((item) => ['--set', item])];
      return (await helm(args)).stdout;
    };
    expect(await notes(['database.testUsers.enabled=false'])).toContain(
      'WARNING: database.* is deprecated since 0.2.0 and will be removed in 0.3.0: move it to postgresqlSchema.*',
    );
    expect(await notes(['postgresqlSchema.testUsers.enabled=false'])).not.toContain('WARNING');
  });
});
