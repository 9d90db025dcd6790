import { describe, expect, it } from 'vitest';
import { find, render, renderError, type K8sObject } from '../../support/chart.js';
import type { PodSpec } from '../../support/pod.js';

/** An existing Kafka whose client listener is SASL_SSL, as a managed one's. */
const managed = (tls: object = { caCertificate: { secretName: 'msk-ca' } }) => ({
  kafka: { enabled: false, listeners: { client: { protocol: 'SASL_SSL' } }, sasl: { existingSecret: 'msk-sasl' } },
  kafkaTopics: { bootstrapServers: 'b-1.msk.example.com:9096', tls },
});

const podOf = (object: K8sObject) =>
  (object.kind === 'Pod' ? object['spec'] : (object['spec'] as { template: { spec: unknown } }).template.spec) as PodSpec;
const pods = (objects: K8sObject[]) =>
  [
    find(objects, 'Job', 'learnflow-reconcile'),
    find(objects, 'Pod', 'learnflow-kafka-check'),
    find(objects, 'Job', 'learnflow-dapr-check'),
  ].map(podOf);
const tlsEnv = (pod: PodSpec) =>
  Object.fromEntries(
    pod.containers[0]!.env.filter((entry) => entry.name.startsWith('LEARNFLOW_HOOKS_KAFKA_TLS')).map((entry) => [entry.name, entry.value]),
  );
const pubsub = (objects: K8sObject[]) =>
  Object.fromEntries(
    (
      find(objects, 'Component', 'pubsub-kafka')['spec'] as { metadata: { name: string; value?: string; secretKeyRef?: object }[] }
    ).metadata.map((entry) => [entry.name, entry.value ?? entry.secretKeyRef]),
  );

describe('TLS to an existing Kafka (SASL_SSL)', () => {
  it("gives the topic hook and both checks TLS and the CA's file, and the Dapr pub/sub TLS and the CA by secretKeyRef", async () => {
    const objects = await render({ values: managed() });
    for (const pod of pods(objects)) {
      expect(tlsEnv(pod)).toEqual({
        LEARNFLOW_HOOKS_KAFKA_TLS: 'true',
        LEARNFLOW_HOOKS_KAFKA_TLS_CA_FILE: '/etc/learnflow/kafka-tls/ca.crt',
      });
      expect(pod.volumes?.find((volume) => volume.name === 'kafka-tls')).toMatchObject({
        secret: { secretName: 'msk-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      });
      expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'kafka-tls', mountPath: '/etc/learnflow/kafka-tls', readOnly: true });
    }
    expect(pubsub(objects)).toMatchObject({
      authType: 'password',
      saslMechanism: 'SHA-512',
      disableTls: 'false',
      caCert: { name: 'msk-ca', key: 'ca.crt' },
    });
  });

  it("trusts the images' roots without a CA: TLS on, no CA file, no caCert", async () => {
    const objects = await render({ values: managed({}) });
    for (const pod of pods(objects)) {
      expect(tlsEnv(pod)).toEqual({ LEARNFLOW_HOOKS_KAFKA_TLS: 'true' });
      expect(pod.volumes?.map((volume) => volume.name)).not.toContain('kafka-tls');
    }
    expect(pubsub(objects)).toMatchObject({ disableTls: 'false' });
    expect(pubsub(objects)).not.toHaveProperty('caCert');
  });

  it('is off by default: no TLS option or volume, and the SASL profile keeps TLS off', async () => {
    for (const objects of [await render(), await render({ valuesFiles: ['profiles/kafka-sasl.yaml'] })]) {
      for (const pod of pods(objects)) expect(tlsEnv(pod)).toEqual({});
    }
    expect(pubsub(await render({ valuesFiles: ['profiles/kafka-sasl.yaml'] }))).toMatchObject({ disableTls: 'true' });
  });

  it.each([
    [
      "SASL_SSL on this release's Kafka",
      { kafka: { listeners: { client: { protocol: 'SASL_SSL' } } } },
      'kafka.listeners.client.protocol SASL_SSL is for an existing Kafka (kafka.enabled=false)',
    ],
    [
      'TLS without SASL',
      { ...managed(), kafka: { enabled: false, listeners: { client: { protocol: 'SSL' } } } },
      'kafka.listeners.client.protocol SSL: the hooks, the checks and the Dapr pub/sub speak TLS with SASL (SASL_SSL',
    ],
    [
      'a CA without TLS',
      { kafkaTopics: { tls: { caCertificate: { secretName: 'ca' } } } },
      'kafkaTopics.tls.caCertificate names a CA but kafka.listeners.client.protocol is PLAINTEXT, so nothing would use it',
    ],
  ])('refuses %s, naming the fix', async (_case, values, message) => {
    expect(await renderError({ values })).toContain(message);
  });
});
