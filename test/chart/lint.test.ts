import { describe, expect, it } from 'vitest';
import { renderText, type RenderOptions } from '../support/chart.js';
import { run } from '../support/process.js';

const profiles: Record<string, RenderOptions> = {
  default: {},
  kraft: { valuesFiles: ['profiles/kraft.yaml'] },
  production: { valuesFiles: ['profiles/production.yaml'] },
  'kafka-sasl': { valuesFiles: ['profiles/kafka-sasl.yaml'] },
  gitops: { valuesFiles: ['profiles/gitops.yaml'] },
};

/**
 * kube-score's checks we do not follow, and why. container-image-pull-policy wants Always: it
 * would break the hooks image that `up` loads into kind, k3d and minikube (it is in no registry)
 * and clusters behind a mirror, and our images are pinned by tag or digest.
 */
const ignored = ['container-image-pull-policy'];

async function score(options: RenderOptions): Promise<{ code: number | null; findings: string[] }> {
  const manifests = await renderText(options);
  const result = await run('kube-score', ['score', '-', '--output-format', 'ci', ...ignored.flatMap((test) => ['--ignore-test', test])], {
    input: manifests,
  });
  return { code: result.code, findings: result.stdout.split('\n').filter((line) => /^\[(CRITICAL|WARNING)\]/.test(line)) };
}

describe.each(Object.entries(profiles))('kube-score on our own templates (%s profile)', (_profile, options) => {
  it('finds nothing', async () => {
    const { code, findings } = await score(options);
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('kube-score', () => {
  it('reports what it checks, so the test above can fail', async () => {
    const { code, findings } = await score({ set: ['networkPolicy.enabled=false'] });
    expect(code).not.toBe(0);
    expect(findings).toContain('[CRITICAL] learnflow-reconcile/learnflow batch/v1/Job: The pod does not have a matching NetworkPolicy');
  });
});
