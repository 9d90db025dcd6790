import { describe, expect, it } from 'vitest';
import { chartCopy, find, render, renderText, subchartsDir, type K8sObject, type RenderOptions } from '../support/chart.js';
import { kubernetesVersions, schemaErrors } from '../support/kubernetes.js';

// Needs the real dependency charts, which come from registries this machine cannot reach: run
// `helm dependency build` (or set LEARNFLOW_SUBCHARTS_DIR) to include these tests.
const subcharts = subchartsDir();

type Container = { name: string; image: string; env?: { name: string; value?: string }[] };
const containers = (statefulSet: K8sObject) =>
  (statefulSet['spec'] as { template: { spec: { containers: Container[] } } }).template.spec.containers;
const replicas = (statefulSet: K8sObject) => (statefulSet['spec'] as { replicas: number }).replicas;

describe.skipIf(!subcharts)('the whole release, with the real kafka, postgresql and dapr charts', () => {
  const withSubcharts = async (options: RenderOptions = {}) => ({ ...options, chart: await chartCopy({ subcharts: subcharts! }) });

  it.each(kubernetesVersions)('renders objects that Kubernetes %s accepts, in both Kafka modes', async (version) => {
    for (const options of [{}, { valuesFiles: ['profiles/kraft.yaml'] }]) {
      expect(await schemaErrors(await renderText(await withSubcharts(options)), version)).toEqual([]);
    }
  });

  it('has the Kafka client Service our hooks connect to (ZooKeeper mode: one broker and ZooKeeper)', async () => {
    const objects = await render(await withSubcharts());
    const service = find(objects, 'Service', 'learnflow-kafka');
    expect((service['spec'] as { ports: { name: string; port: number }[] }).ports).toContainEqual(expect.objectContaining({ name: 'tcp-client', port: 9092 }));
    const hookEnv = (find(objects, 'Job', 'learnflow-kafka-topics')['spec'] as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!.env!;
    expect(hookEnv.find((variable) => variable.name === 'LEARNFLOW_HOOKS_KAFKA_BROKERS')?.value).toBe('learnflow-kafka.learnflow.svc.cluster.local:9092');

    const broker = find(objects, 'StatefulSet', 'learnflow-kafka-broker');
    expect(replicas(broker)).toBe(1);
    expect(containers(broker)[0]!.image).toBe('docker.io/bitnamilegacy/kafka:3.9.0-debian-12-r12');
    expect(replicas(find(objects, 'StatefulSet', 'learnflow-zookeeper'))).toBe(1);
    expect(objects.some((object) => object.metadata.name === 'learnflow-kafka-controller')).toBe(false);

    const config = (find(objects, 'ConfigMap', 'learnflow-kafka-broker-configuration')['data'] as Record<string, string>)['server.properties']!;
    expect(config).toContain('listener.security.protocol.map=CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT');
    for (const setting of ['offsets.topic.replication.factor=1', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', 'auto.create.topics.enable=false']) {
      expect(config).toContain(setting);
    }
  });

  it('runs one combined KRaft node with the kraft profile', async () => {
    const objects = await render(await withSubcharts({ valuesFiles: ['profiles/kraft.yaml'] }));
    expect(find(objects, 'Service', 'learnflow-kafka')).toBeDefined();
    expect(replicas(find(objects, 'StatefulSet', 'learnflow-kafka-controller'))).toBe(1);
    expect(objects.filter((object) => object.kind === 'StatefulSet').map((object) => object.metadata.name)).toEqual(['learnflow-kafka-controller']);
    const config = (find(objects, 'ConfigMap', 'learnflow-kafka-controller-configuration')['data'] as Record<string, string>)['server.properties']!;
    expect(config).toContain('process.roles=controller,broker');
  });
});
