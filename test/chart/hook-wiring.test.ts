import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseCatalogue } from '../../hooks/kafka/catalogue.js';
import { checkPrefix } from '../../hooks/kafka/round-trip.js';
import { find, render, type K8sObject, type RenderOptions } from '../support/chart.js';
import { failure, runCli } from '../support/cli.js';
import { kafkaModes, type KafkaMode } from '../support/kafka-server.js';
import { expectTopicsAsDeclared, withTestAdmin } from '../support/kafka-admin.js';

interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; configMap?: { name: string } }[];
}

const profiles: Record<KafkaMode, RenderOptions> = { zookeeper: {}, kraft: { valuesFiles: ['profiles/kraft.yaml'] } };
const inClusterBrokers = 'learnflow-kafka.learnflow.svc.cluster.local:9092';

/**
 * Runs a rendered container here as the kubelet would: its command and arguments, its
 * environment, and its ConfigMap volumes written out as files; only the Kafka address is
 * pointed at the local broker, and mount paths at a temporary folder.
 */
async function runContainer(objects: readonly K8sObject[], spec: PodSpec, brokers: string) {
  const [container] = spec.containers;
  expect(container!.command).toEqual(['node', '/app/dist/cli.js']);
  const root = await mkdtemp(join(tmpdir(), 'learnflow-pod-'));
  const mounts = new Map<string, string>();
  for (const mount of container!.volumeMounts) {
    const volume = spec.volumes.find((candidate) => candidate.name === mount.name);
    const data = find(objects, 'ConfigMap', volume!.configMap!.name)['data'] as Record<string, string>;
    const local = join(root, mount.mountPath);
    for (const [file, content] of Object.entries(data)) {
      await mkdir(dirname(join(local, file)), { recursive: true });
      await writeFile(join(local, file), content);
    }
    mounts.set(mount.mountPath, local);
  }
  const env: Record<string, string> = {};
  for (const variable of container!.env) {
    expect(variable.valueFrom, `${variable.name} comes from a literal value`).toBeUndefined();
    let value = variable.value!;
    for (const [mountPath, local] of mounts) value = value.replace(mountPath, local);
    env[variable.name] = value === inClusterBrokers ? brokers : value;
  }
  expect(env['LEARNFLOW_HOOKS_KAFKA_BROKERS']).toBe(brokers);
  return runCli(container!.args, env);
}

const jobSpec = (job: K8sObject) => (job['spec'] as { template: { spec: PodSpec } }).template.spec;

describe.each(kafkaModes)('the rendered hook and check, run by the real program (%s mode)', (mode) => {
  const brokers = inject('kafkaBrokers')[mode];

  it('create the catalogue topics, then verify them and a round trip that leaves them empty', { timeout: 120_000 }, async () => {
    const objects = await render(profiles[mode]);
    const hook = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-kafka-topics')), brokers);
    expect(hook.code, hook.stdout).toBe(0);

    const check = await runContainer(objects, find(objects, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, brokers);
    expect(check.code, check.stdout).toBe(0);
    // A transient failure may repeat a step; what counts is that both passed.
    expect(new Set(check.lines.filter((line) => line['ok'] === true).map((line) => line['check']))).toEqual(new Set(['topics', 'round-trip']));
    expect(check.lines.at(-1)?.msg).toBe('kafka check passed');

    const configMap = find(objects, 'ConfigMap', 'learnflow-kafka-topics')['data'] as Record<string, string>;
    const topics = parseCatalogue(configMap['topics.json']!, 'ConfigMap');
    await expectTopicsAsDeclared(brokers, topics);
    const leftovers = await withTestAdmin(brokers, async (admin) => (await admin.listTopics()).filter((name) => name.startsWith(checkPrefix)));
    expect(leftovers).toEqual([]);
  });

  it('fails the check, naming the topic, when a topic drifted', async () => {
    const objects = await render(profiles[mode]);
    const hook = await runContainer(objects, jobSpec(find(objects, 'Job', 'learnflow-kafka-topics')), brokers);
    expect(hook.code).toBe(0);
    const drifted = await render({ ...profiles[mode], set: ['kafkaTopics.topics.learning\\.query.partitions=5', 'tests.kafka.timeoutSeconds=5'] });
    const check = await runContainer(drifted, find(drifted, 'Pod', 'learnflow-kafka-check')['spec'] as PodSpec, brokers);
    expect(check.code).toBe(1);
    expect(failure(check).msg).toContain('difference(s) between Kafka and the topic catalogue: add partitions to learning.query: 3 -> 5');
  });
});
