import { describe, expect, inject, it } from 'vitest';
import { find } from '../support/chart.js';
import { failure, runCli } from '../support/cli.js';
import { Cluster } from '../support/controlplane.js';
import { hookAccount } from '../support/hook-account.js';

const cluster = new Cluster(inject('kubeconfig'));

type Env = { name: string; value: string }[];

/**
 * The credentials hook as the chart sets it up, in a namespace of its own: its ServiceAccount,
 * Role and RoleBinding applied from the rendered chart, and the program run with a token of that
 * ServiceAccount and the Job's own environment. Nothing grants it more than the chart's Role.
 */
async function credentialsHook(options: { withRoleBinding?: boolean; set?: string[] } = {}) {
  // With the test users on, as in development, so that every key the hook can make is made.
  const { namespace, objects, flags, can } = await hookAccount(cluster, 'learnflow-credentials-hook', {
    ...options,
    set: ['postgresqlSchema.testUsers.enabled=true', ...(options.set ?? [])],
  });
  const job = find(objects, 'Job', 'learnflow-credentials-hook');
  const container = (job['spec'] as { template: { spec: { containers: { args: string[]; env: Env }[] } } }).template.spec.containers[0]!;
  const env = Object.fromEntries(container.env.map(({ name, value }) => [name, value]));
  const run = (accountFlags: readonly string[] = flags) => runCli([...container.args, ...accountFlags, '--timeout', '30'], env);
  const labels = async () =>
    (
      await cluster.kubectlJson<{ metadata: { labels: Record<string, string> } }>([
        'get',
        'secret',
        'learnflow-credentials',
        '--namespace',
        namespace,
      ])
    ).metadata.labels;
  const secret = async (inNamespace = namespace) => {
    const result = await cluster.kubectlJson<{ data: Record<string, string> }>([
      'get',
      'secret',
      'learnflow-credentials',
      '--namespace',
      inNamespace,
    ]);
    return Object.fromEntries(Object.entries(result.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
  };
  return { namespace, run, secret, labels, can, flags };
}

const expectedKeys = [
  'dapr-password',
  'password',
  'postgres-password',
  'services-password',
  'test-admin-password',
  'test-student-password',
  'test-teacher-password',
  'test-users-key',
];

describe("the credentials hook against the real API server, with the permissions of the chart's Role", () => {
  it('creates the Secret once with strong random passwords, and never changes them', async () => {
    const hook = await credentialsHook();
    const first = await hook.run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const created = await hook.secret();
    expect(Object.keys(created).sort()).toEqual(expectedKeys);
    for (const value of Object.values(created)) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(Object.values(created)).size).toBe(expectedKeys.length);
    expect(first.stdout).not.toContain(created['password']!);
    // The labels `learnflow-infra down --delete-data` finds it by.
    expect(await hook.labels()).toEqual({
      'app.kubernetes.io/instance': 'learnflow',
      'app.kubernetes.io/managed-by': 'learnflow-hooks',
      'app.kubernetes.io/part-of': 'learnflow',
    });

    const second = await hook.run();
    expect(second.code).toBe(0);
    expect(second.lines.at(-1)?.msg).toBe('Secret learnflow-credentials exists; nothing changed');
    expect(await hook.secret()).toEqual(created);

    // Its Role reaches no further than that one Secret (and creating Secrets, which cannot be narrowed).
    expect(await hook.can('get', 'secrets/learnflow-credentials')).toBe('yes');
    expect(await hook.can('get', 'secrets/someone-elses')).toBe('no');
    expect(await hook.can('list', 'secrets')).toBe('no');
    expect(await hook.can('delete', 'secrets/learnflow-credentials')).toBe('no');
    expect(await hook.can('get', 'configmaps')).toBe('no');
  });

  it('adds only the keys a Secret lacks', async () => {
    const hook = await credentialsHook();
    expect((await hook.run()).code).toBe(0);
    const before = await hook.secret();
    const removed = await cluster.kubectl([
      'patch',
      'secret',
      'learnflow-credentials',
      '--namespace',
      hook.namespace,
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/data/test-admin-password"}]',
    ]);
    expect(removed.code, removed.stderr).toBe(0);
    const result = await hook.run();
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.at(-1)?.msg).toBe('Secret learnflow-credentials exists; added test-admin-password');
    const after = await hook.secret();
    expect({ ...after, 'test-admin-password': before['test-admin-password'] }).toEqual(before);
  });

  it('labels a Secret made before 0.2.0, without its instance label, and changes no value', async () => {
    const hook = await credentialsHook();
    expect((await hook.run()).code).toBe(0);
    const before = await hook.secret();
    const unlabelled = await cluster.kubectl([
      'label',
      'secret',
      'learnflow-credentials',
      'app.kubernetes.io/instance-',
      '--namespace',
      hook.namespace,
    ]);
    expect(unlabelled.code, unlabelled.stderr).toBe(0);
    const result = await hook.run();
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.at(-1)?.msg).toBe('Secret learnflow-credentials exists; added its labels');
    expect((await hook.labels())['app.kubernetes.io/instance']).toBe('learnflow');
    expect(await hook.secret()).toEqual(before);
  });

  // `down --delete-data` deletes the Secret it finds by these labels: one the user made must never carry them.
  it('completes a Secret the user made without touching its labels or its values', async () => {
    const hook = await credentialsHook();
    const made = await cluster.kubectl([
      'create',
      'secret',
      'generic',
      'learnflow-credentials',
      '--from-literal=password=the-users-own',
      '--namespace',
      hook.namespace,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const result = await hook.run();
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.at(-1)?.msg).toBe(
      'Secret learnflow-credentials exists; added postgres-password, services-password, dapr-password, ' +
        'test-admin-password, test-teacher-password, test-student-password, test-users-key',
    );
    expect(await hook.labels()).toBeUndefined();
    expect((await hook.secret())['password']).toBe('the-users-own');
  });

  it('leaves one Secret when two runs race', async () => {
    const hook = await credentialsHook();
    const runs = await Promise.all([hook.run(), hook.run()]);
    for (const run of runs) expect(run.code, run.stdout).toBe(0);
    expect(runs.filter((run) => run.lines.at(-1)?.['created'] === true)).toHaveLength(1);
    expect(Object.keys(await hook.secret()).sort()).toEqual(expectedKeys);
  });

  it("copies exactly a service's keys into each services namespace, and keeps the copy exact", async () => {
    const services = await cluster.namespace('services');
    const hook = await credentialsHook({ set: [`global.learnflow.serviceNamespaces={${services}}`] });
    const first = await hook.run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.lines.at(-1)?.msg).toBe(`services' copy of learnflow-credentials in ${services}: created`);
    const source = await hook.secret();
    expect(await hook.secret(services)).toEqual({
      'services-password': source['services-password'],
      'dapr-password': source['dapr-password'],
    });
    const copy = await cluster.kubectlJson<{ metadata: { labels: Record<string, string> } }>([
      ...['get', 'secret', 'learnflow-credentials', '--namespace', services],
    ]);
    expect(copy.metadata.labels).toEqual({
      'app.kubernetes.io/instance': 'learnflow',
      'app.kubernetes.io/managed-by': 'learnflow-hooks',
      'app.kubernetes.io/part-of': 'learnflow',
    });

    // A password changed in the release's Secret (rotated by hand) reaches the copy; a key the copy should not hold goes.
    const rotated = Buffer.from('rotated-by-hand').toString('base64');
    const rotate = await cluster.kubectl([
      ...['patch', 'secret', 'learnflow-credentials', '--namespace', hook.namespace],
      ...['--type', 'merge', '-p', JSON.stringify({ data: { 'services-password': rotated } })],
    ]);
    expect(rotate.code, rotate.stderr).toBe(0);
    const stray = await cluster.kubectl([
      ...['patch', 'secret', 'learnflow-credentials', '--namespace', services],
      ...['--type', 'merge', '-p', JSON.stringify({ data: { 'postgres-password': rotated } })],
    ]);
    expect(stray.code, stray.stderr).toBe(0);
    const second = await hook.run();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.lines.at(-1)?.msg).toBe(`services' copy of learnflow-credentials in ${services}: updated`);
    expect(await hook.secret(services)).toEqual({ 'services-password': 'rotated-by-hand', 'dapr-password': source['dapr-password'] });
    expect((await hook.run()).lines.at(-1)?.msg).toBe(`services' copy of learnflow-credentials in ${services}: unchanged`);

    // There too, the Role reaches no further than that one Secret.
    const can = async (verb: string, resource: string) =>
      (
        await cluster.kubectl([
          ...['auth', 'can-i', verb, resource, '--namespace', services],
          ...['--as', `system:serviceaccount:${hook.namespace}:learnflow-credentials-hook`],
        ])
      ).stdout.trim();
    expect(await can('patch', 'secrets/learnflow-credentials')).toBe('yes');
    expect(await can('get', 'secrets/someone-elses')).toBe('no');
    expect(await can('list', 'secrets')).toBe('no');
  });

  it('never overwrites a Secret of that name it did not make there, and names the fix', async () => {
    const services = await cluster.namespace('services');
    const made = await cluster.kubectl([
      ...['create', 'secret', 'generic', 'learnflow-credentials', '--from-literal=services-password=the-teams-own'],
      ...['--namespace', services],
    ]);
    expect(made.code, made.stderr).toBe(0);
    const hook = await credentialsHook({ set: [`global.learnflow.serviceNamespaces={${services}}`] });
    const result = await hook.run();
    expect(result.code).toBe(1);
    expect(failure(result)).toEqual({
      msg:
        `copying Secret learnflow-credentials into ${services} failed: ` +
        `Secret ${services}/learnflow-credentials exists and was not made by the credentials hook of release learnflow`,
      hint:
        "the hook copies a service's credentials there: delete or rename that Secret, " +
        `or remove ${services} from global.learnflow.serviceNamespaces`,
    });
    expect(await hook.secret(services)).toEqual({ 'services-password': 'the-teams-own' });
  });

  it('fails fast, naming the Role, without its RoleBinding', async () => {
    const hook = await credentialsHook({ withRoleBinding: false });
    const result = await hook.run();
    expect(result.code).toBe(1);
    // Far below the budget (30s) it would spend retrying.
    expect(result.elapsedMs).toBeLessThan(15_000);
    expect(failure(result).msg).toContain('the API server answered 403');
    expect(failure(result).hint).toContain("check the chart's Role and RoleBinding of this hook");
  });

  it('fails at once, naming the token file and where it comes from, when the Pod has no token', async () => {
    const hook = await credentialsHook();
    // The account's flags with the token file a Pod without automountServiceAccountToken lacks.
    const withoutToken = hook.flags.map((value, index, all) => (all[index - 1] === '--kube-token-file' ? '/nonexistent/token' : value));
    expect(withoutToken).toContain('/nonexistent/token');
    const result = await hook.run(withoutToken);
    expect(result.code).toBe(2);
    expect(failure(result)).toEqual({
      msg: 'cannot read the API token file /nonexistent/token: ENOENT',
      hint: "the Job mounts it from the Pod's ServiceAccount: check that the Pod mounts its token (automountServiceAccountToken)",
    });
  });
});
