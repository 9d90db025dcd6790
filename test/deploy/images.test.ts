import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hooksImageOf } from '../../deploy/release/images.js';
import { chartCopy, daprChartsDir, render, subchartsDir } from '../support/chart.js';
import { runDeploy } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';

// learnflow-infra images renders the release (no cluster needed) and lists what it will run.

interface Listed {
  image: string;
  usedBy: string[];
  values: string;
}

async function images(chart: string, ...args: string[]): Promise<Listed[]> {
  // No cluster: the command only renders.
  const result = await runDeploy(['images', '--chart', chart, '--json', ...args], '/nonexistent/kubeconfig');
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return (result.events.find((event) => event.event === 'result') as unknown as { images: Listed[] }).images;
}

describe('learnflow-infra images', () => {
  it('lists the hooks image, the Dapr control plane and the sidecar the injector adds, with the values that set each', async () => {
    const chart = await chartCopy({ subcharts: daprChartsDir() });
    const listed = await images(chart);
    const byImage = Object.fromEntries(listed.map((entry) => [entry.image, entry]));
    expect(Object.keys(byImage).sort()).toEqual([
      'ghcr.io/dapr/daprd:1.18.3',
      'ghcr.io/dapr/injector:1.18.3',
      'ghcr.io/dapr/operator:1.18.3',
      'ghcr.io/dapr/placement:1.18.3',
      'ghcr.io/dapr/scheduler:1.18.3',
      'ghcr.io/dapr/sentry:1.18.3',
      'ghcr.io/learnflow/learnflow-hooks:0.2.0',
    ]);
    expect(byImage['ghcr.io/dapr/daprd:1.18.3']).toMatchObject({
      usedBy: ['Job learnflow-dapr-check'],
      values: expect.stringContaining('dapr.global.registry'),
    });
    expect(byImage['ghcr.io/learnflow/learnflow-hooks:0.2.0']!.usedBy).toEqual(
      expect.arrayContaining(['Job learnflow-reconcile', 'Pod learnflow-postgresql-check']),
    );
    expect(byImage['ghcr.io/learnflow/learnflow-hooks:0.2.0']!.values).toBe('hooks.image (registry, repository, tag)');
  });

  it('applies overrides: --image, global.imageRegistry and the Dapr registry', async () => {
    const chart = await chartCopy({ subcharts: daprChartsDir() });
    const listed = await images(chart, '--image', 'registry.example.com/hooks:1', '--set', 'dapr.global.registry=mirror.example.com/dapr');
    expect(listed.map((entry) => entry.image)).toEqual(
      expect.arrayContaining(['registry.example.com/hooks:1', 'mirror.example.com/dapr/daprd:1.18.3']),
    );
    const mirrored = await images(chart, '--set', 'global.imageRegistry=mirror.example.com');
    expect(mirrored.map((entry) => entry.image)).toContain('mirror.example.com/learnflow/learnflow-hooks:0.2.0');
  });

  it(
    'with the real Bitnami charts: Kafka, ZooKeeper and PostgreSQL from bitnamilegacy, ' + 'the list Chart.yaml gives Artifact Hub',
    async () => {
      const listed = await images(await chartCopy({ subcharts: subchartsDir() }));
      const bitnami = listed
        .filter((entry) => entry.image.startsWith('docker.io/bitnamilegacy/'))
        .map((entry) => entry.image.replace(/:.*/, ''));
      expect(bitnami.sort()).toEqual([
        'docker.io/bitnamilegacy/kafka',
        'docker.io/bitnamilegacy/postgresql',
        'docker.io/bitnamilegacy/zookeeper',
      ]);
      // Artifact Hub shows the chart's images from its annotation: the same list.
      const chart = parse(await readFile(join(repoRoot, 'Chart.yaml'), 'utf8')) as { annotations: Record<string, string> };
      const annotated = (parse(chart.annotations['artifacthub.io/images']!) as { image: string }[]).map((entry) => entry.image);
      expect(annotated.sort()).toEqual(listed.map((entry) => entry.image).sort());
    },
  );
});

describe('the hooks image up builds for a local cluster', () => {
  it('is the one the rendered release runs, whatever the values name', async () => {
    expect(hooksImageOf(await render())).toBe('ghcr.io/learnflow/learnflow-hooks:0.2.0');
    expect(hooksImageOf(await render({ set: ['hooks.image.tag=dev', 'global.imageRegistry=registry.local:5000'] }))).toBe(
      'registry.local:5000/learnflow/learnflow-hooks:dev',
    );
    const nothingOfOurs = [
      'kafkaTopics.enabled=false',
      'postgresqlSchema.enabled=false',
      'credentials.hook.enabled=false',
      'daprComponents.enabled=false',
    ];
    expect(hooksImageOf(await render({ set: nothingOfOurs }))).toBeUndefined();
  });
});
