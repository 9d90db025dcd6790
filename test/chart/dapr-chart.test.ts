import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartCopy, daprChartsDir, parseObjects, renderText, type K8sObject, type RenderOptions } from '../support/chart.js';
import { kubernetesVersions, schemaErrors } from '../support/kubernetes.js';
import { repoRoot } from '../support/paths.js';

// The dapr chart comes from the Dapr Go module (scripts/install-tools.sh), so these run in CI.
const withDapr = async (options: RenderOptions = {}) => ({
  ...options,
  chart: await chartCopy({ subcharts: daprChartsDir() }),
  set: ['dapr.enabled=true', ...(options.set ?? [])],
});
const profiles: Record<string, RenderOptions> = { laptop: {}, production: { valuesFiles: ['profiles/production.yaml'] } };

type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
type Workload = {
  replicas?: number;
  template: { spec: { containers: Container[] } };
  volumeClaimTemplates?: { spec: { resources: { requests: { storage: string } } } }[];
};
const spec = (object: K8sObject) => object['spec'] as Workload;
const daprWorkloads = (objects: readonly K8sObject[]) =>
  objects.filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind) && object.metadata.name.startsWith('dapr-'));

describe('the release with the real dapr chart', () => {
  it('pins the dapr chart the tools install', async () => {
    const chart = parse(await readFile(join(repoRoot, 'Chart.yaml'), 'utf8')) as { dependencies: { name: string; version: string }[] };
    const daprChart = parse(await readFile(join(daprChartsDir(), 'dapr', 'Chart.yaml'), 'utf8')) as { version: string };
    expect(chart.dependencies.find((dependency) => dependency.name === 'dapr')?.version).toBe(daprChart.version);
  });

  describe.each(Object.entries(profiles))('%s profile', (profile, options) => {
    it.each(kubernetesVersions)('renders objects that Kubernetes %s accepts', async (version) => {
      expect(await schemaErrors(await renderText(await withDapr(options)), version)).toEqual([]);
    });

    it('runs the control plane with requests and limits on every container, and mTLS on', async () => {
      const objects = parseObjects(await renderText(await withDapr(options)));
      const workloads = daprWorkloads(objects);
      expect(workloads.map((object) => object.metadata.name).sort()).toEqual([
        'dapr-operator',
        'dapr-placement-server',
        'dapr-scheduler-server',
        'dapr-sentry',
        'dapr-sidecar-injector',
      ]);
      for (const workload of workloads) {
        for (const container of spec(workload).template.spec.containers) {
          expect(container.resources?.requests, `${workload.metadata.name}/${container.name}`).toBeDefined();
          expect(container.resources?.limits?.['memory'], `${workload.metadata.name}/${container.name}`).toBeDefined();
        }
      }
      const scheduler = spec(workloads.find((object) => object.metadata.name === 'dapr-scheduler-server')!);
      expect(scheduler.replicas).toBe(3);
      expect(scheduler.volumeClaimTemplates?.[0]?.spec.resources.requests.storage).toBe(profile === 'production' ? '16Gi' : '1Gi');
      const placement = spec(workloads.find((object) => object.metadata.name === 'dapr-placement-server')!);
      expect(placement.replicas).toBe(profile === 'production' ? 3 : 1);
      // Nothing outside the release's namespace but cluster-scoped objects (the dapr chart's own
      // default grants the `default` namespace's ServiceAccount every Secret there).
      expect(objects.filter((object) => object.metadata.namespace && object.metadata.namespace !== 'learnflow')).toEqual([]);
      const configuration = objects.find((object) => object.kind === 'Configuration');
      expect((configuration?.['spec'] as { mtls: { enabled: boolean } }).mtls.enabled).toBe(true);
    });
  });
});
