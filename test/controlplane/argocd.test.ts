import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { chartCopy, daprChartsDir, find, parseObjects, renderText } from '../support/chart.js';
import { Cluster, crdsEstablished } from '../support/controlplane.js';
import { repoRoot } from '../support/paths.js';

const cluster = new Cluster(inject('kubeconfig'));
const applications = ['argocd/application-git.yaml', 'argocd/application-oci.yaml'];

interface Application {
  spec: {
    source: { helm: { valueFiles?: string[]; valuesObject?: unknown } };
    ignoreDifferences: { group?: string; kind: string; name: string }[];
  };
}

const application = async (file: string) => parse(await readFile(join(repoRoot, file), 'utf8')) as Application;

beforeAll(async () => {
  const crds = process.env['LEARNFLOW_ARGOCD_CRDS'];
  if (!crds) throw new Error('LEARNFLOW_ARGOCD_CRDS is not set: source scripts/env.sh (after scripts/install-tools.sh)');
  const applied = await cluster.kubectl(['apply', '--server-side', '-f', join(crds, 'application-crd.yaml')]);
  if (applied.code !== 0) throw new Error(`installing Argo CD's Application CRD: ${applied.stderr}`);
  await crdsEstablished(cluster, ['applications.argoproj.io']);
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }));
}, 120_000);

describe('the Argo CD Applications', () => {
  it.each(applications)("%s is accepted by the API server with Argo CD's own CRD schema", async (file) => {
    const result = await cluster.kubectl(['apply', '--dry-run=server', '--namespace', 'argocd', '-f', join(repoRoot, file)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('application.argoproj.io/learnflow-infra created (server dry run)');
  });

  it('are checked against that schema, so the test above can fail', async () => {
    const broken = (await readFile(join(repoRoot, applications[0]!), 'utf8')).replace('limit: 5', 'limit: five');
    const result = await cluster.kubectl(['apply', '--dry-run=server', '--namespace', 'argocd', '-f', '-'], broken);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('spec.syncPolicy.retry.limit');
  });

  it('use the GitOps profile, from git or inline for the packaged chart', async () => {
    const profile = parse(await readFile(join(repoRoot, 'profiles/gitops.yaml'), 'utf8'));
    expect((await application('argocd/application-git.yaml')).spec.source.helm.valueFiles).toEqual(['profiles/gitops.yaml']);
    expect((await application('argocd/application-oci.yaml')).spec.source.helm.valuesObject).toEqual(profile);
  });

  it('ignore only differences in objects the release really has', async () => {
    const objects = parseObjects(
      await renderText({ chart: await chartCopy({ subcharts: daprChartsDir() }), valuesFiles: ['profiles/gitops.yaml'] }),
    );
    const crds = parseObjects(await readFile(join(daprChartsDir(), 'dapr', 'crds', 'subscription.yaml'), 'utf8'));
    for (const file of applications) {
      for (const target of (await application(file)).spec.ignoreDifferences) {
        const pool = target.kind === 'CustomResourceDefinition' ? crds : objects;
        expect(() => find(pool, target.kind, target.name), `${file}: ${target.kind}/${target.name}`).not.toThrow();
      }
    }
  });
});

describe('the chart as Argo CD renders it (helm template, profiles/gitops.yaml)', () => {
  it('is the same on every render: no random values, no clock, and no lookup that could change an object', async () => {
    const chart = await chartCopy({ subcharts: daprChartsDir() });
    const render = () => renderText({ chart, valuesFiles: ['profiles/gitops.yaml'] });
    expect(await render()).toBe(await render());
    // And none of our templates could: no template action calls a function whose result changes.
    const files = (await readdir(join(repoRoot, 'templates'), { recursive: true })).filter((file) => /\.(yaml|tpl|txt)$/.test(file));
    expect(files).toContain('tests/kafka-check-pod.yaml');
    for (const file of files) {
      // Template actions, comments ({{/* ... */}}) left out.
      const actions = ((await readFile(join(repoRoot, 'templates', file), 'utf8')).match(/{{[\s\S]*?}}/g) ?? []).filter(
        (action) => !/^{{-?\s*\/\*/.test(action),
      );
      // The lookups only decide whether the credentials hook runs (the Secret, and the services
      // namespaces' copies of it); where Helm cannot read the cluster (Argo CD, helm template) they
      // find nothing and the hook is always rendered.
      const allowed = (action: string) =>
        (file === 'credentials/_helpers.tpl' &&
          action.includes('lookup "v1" "Secret" .Release.Namespace (include "learnflow.credentials.secretName" .)')) ||
        (file === 'services/_helpers.tpl' &&
          ['(lookup "v1" "Secret" .Release.Namespace $name)', '(lookup "v1" "Secret" . $name)'].some((lookup) => action.includes(lookup)));
      expect(
        actions.filter(
          (action) =>
            /\b(lookup|rand\w*|uuidv4|now|genCA|genPrivateKey|genSelfSignedCert|genSignedCert)\b/.test(action) && !allowed(action),
        ),
        file,
      ).toEqual([]);
    }
  });

  it("runs the checks as a PostSync hook after the install hooks, which Argo CD maps from Helm's", async () => {
    const objects = parseObjects(await renderText({ valuesFiles: ['profiles/gitops.yaml'] }));
    for (const [kind, name] of [
      ['Pod', 'learnflow-kafka-check'],
      ['Pod', 'learnflow-postgresql-check'],
      ['Job', 'learnflow-dapr-check'],
    ] as const) {
      expect(find(objects, kind, name).metadata.annotations).toMatchObject({
        'argocd.argoproj.io/hook': 'PostSync',
        'argocd.argoproj.io/sync-wave': '30',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      });
    }
    expect(find(objects, 'Job', 'learnflow-reconcile').metadata.annotations).toMatchObject({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '0',
    });
    const plain = parseObjects(await renderText());
    expect(find(plain, 'Pod', 'learnflow-kafka-check').metadata.annotations).not.toHaveProperty('argocd.argoproj.io/hook');
  });
});
