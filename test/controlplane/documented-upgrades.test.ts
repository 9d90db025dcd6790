import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartCopy, subchartsDir } from '../support/chart.js';
import { Cluster, ControlPlane } from '../support/controlplane.js';
import { documentedHelmCommands } from '../support/doc-commands.js';
import { run } from '../support/process.js';

// The docs' upgrade commands, each run as written (release learnflow in namespace learnflow, the
// chart at `.`), on a control plane of their own: the whole chart with its Bitnami and dapr
// subcharts, whose cluster-wide objects would meet other tests'. KWOK reports the hook Pods
// Succeeded; what is real is Helm's handling of values and the API server's validation, which
// refuses a StatefulSet whose volume size changes.

let controlPlane: ControlPlane;
let cluster: Cluster;
let chart: string;

beforeAll(async () => {
  [controlPlane, chart] = await Promise.all([ControlPlane.start('docs'), chartCopy({ subcharts: subchartsDir() })]);
  cluster = new Cluster(controlPlane.kubeconfig);
}, 120_000);

afterAll(async () => {
  await controlPlane?.delete();
});

/** Runs a command line in the chart's folder, as a user in their clone. */
const shell = (command: string) =>
  run('bash', ['-c', command], { cwd: chart, env: { ...process.env, KUBECONFIG: controlPlane.kubeconfig } });

/** The values of the release as Helm holds them (what it was made with, and each upgrade's). */
async function releaseValues(): Promise<Record<string, unknown>> {
  const result = await cluster.helm(['get', 'values', 'learnflow', '--namespace', 'learnflow', '--output', 'json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("the docs' upgrade commands, run as written", () => {
  it(
    'each keeps the values of a release made with its own (KRaft, a volume size up pinned, a subchart part off) and the user file’s; ' +
      'a one-line --set, as they were, drops them, and the API server refuses it',
    { timeout: 600_000 },
    async () => {
      // The credentials Secret the hook makes (KWOK runs no container): the Bitnami charts read it.
      const keys = ['postgres-password', 'password', 'client-passwords', 'inter-broker-password', 'controller-password'];
      const secret = await cluster.kubectl(['create', 'namespace', 'learnflow']);
      expect(secret.code, secret.stderr).toBe(0);
      const made = await cluster.kubectl([
        ...['create', 'secret', 'generic', 'learnflow-credentials', '--namespace', 'learnflow'],
        ...keys.map((key) => `--from-literal=${key}=${key}-not-used`),
      ]);
      expect(made.code, made.stderr).toBe(0);
      // A release with values of its own: KRaft, the volume size `up` pins for an existing claim,
      // and the sidecar injector off (KWOK's Pods could not answer its webhook).
      const own = '-f profiles/kraft.yaml --set postgresql.primary.persistence.size=9Gi --set dapr.dapr_sidecar_injector.enabled=false';
      const installed = await shell(`helm install learnflow . --namespace learnflow ${own} --timeout 20m`);
      expect(installed.code, installed.stderr).toBe(0);
      // The user's file: a change of their own.
      await writeFile(join(chart, 'my-values.yaml'), 'kafkaTopics:\n  topics:\n    learning.query:\n      partitions: 4\n');

      const upgrades = (await documentedHelmCommands()).filter(({ command }) => command.startsWith('helm upgrade'));
      expect(upgrades.length).toBeGreaterThanOrEqual(7);
      for (const { page, command } of upgrades) {
        const result = await shell(command);
        expect(result.code, `${page}: ${command}\n${result.stderr}`).toBe(0);
        const values = await releaseValues();
        expect(values, `${page}: ${command}`).toMatchObject({
          kafka: { kraft: { enabled: true } },
          postgresql: { primary: { persistence: { size: '9Gi' } } },
          dapr: { dapr_sidecar_injector: { enabled: false } },
          kafkaTopics: { topics: { 'learning.query': { partitions: 4 } } },
        });
      }
      const statefulSets = await cluster.kubectlJson<{ items: { metadata: { name: string } }[] }>([
        'get',
        'statefulsets',
        '--namespace',
        'learnflow',
      ]);
      expect(statefulSets.items.map((item) => item.metadata.name)).not.toContain('learnflow-zookeeper');

      // What the docs said before: one value given, so Helm takes the chart's defaults and that
      // value alone (given none, it would reuse the release's), and the API server refuses it.
      const dropping = await shell('helm upgrade learnflow . -n learnflow --set postgresqlSchema.testUsers.enabled=true --timeout 20m');
      expect(dropping.code).not.toBe(0);
      expect(dropping.stderr).toMatch(
        /StatefulSet.apps "learnflow-postgresql" is invalid: spec.volumeClaimTemplates: .*field is immutable/,
      );
    },
  );
});
