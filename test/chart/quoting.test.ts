import { describe, expect, it } from 'vitest';
import { render, type K8sObject, type RenderOptions } from '../support/chart.js';

// A value that, pasted into YAML as it is, ends its line and adds a key of its own (hostPID, as the
// review did through hooks.imagePullSecrets), with the characters YAML reads specially besides
// (no ",", which separates kafkaTopics.bootstrapServers).
const payload = 'x\nhostPID: true # "q" \\ {a} [b]';
const benign = 'x';

/**
 * Where each value of ours reaches the templates, with what else it needs to be rendered. The schema
 * is skipped: what it refuses is in values-schema.test.ts; here the templates must hold on their own.
 */
const cases: [string, (value: string) => RenderOptions][] = [
  ['hooks.imagePullSecrets[0]', (value) => ({ values: { hooks: { imagePullSecrets: [value] } } })],
  ['global.imagePullSecrets[0].name', (value) => ({ values: { global: { imagePullSecrets: [{ name: value }] } } })],
  ['a hooks.podAnnotations value', (value) => ({ values: { hooks: { podAnnotations: { note: value } } } })],
  ['a hooks.podAnnotations key', (value) => ({ values: { hooks: { podAnnotations: { [value]: 'note' } } } })],
  ['a hooks.podLabels value', (value) => ({ values: { hooks: { podLabels: { team: value } } } })],
  ['a hooks.podLabels key', (value) => ({ values: { hooks: { podLabels: { [value]: 'team' } } } })],
  ['a hooks.nodeSelector value', (value) => ({ values: { hooks: { nodeSelector: { pool: value } } } })],
  ['a hooks.nodeSelector key', (value) => ({ values: { hooks: { nodeSelector: { [value]: 'pool' } } } })],
  [
    'hooks.tolerations',
    (value) => ({ values: { hooks: { tolerations: [{ key: value, operator: 'Equal', value, effect: 'NoSchedule' }] } } }),
  ],
  ['hooks.affinity', (value) => ({ values: { hooks: { affinity: { nodeAffinity: { note: value } } } } })],
  ['hooks.podSecurityContext', (value) => ({ values: { hooks: { podSecurityContext: { seLinuxOptions: { level: value } } } } })],
  ['hooks.resources', (value) => ({ values: { hooks: { resources: { limits: { cpu: value } } } } })],
  ['hooks.image.registry', (value) => ({ values: { hooks: { image: { registry: value } } } })],
  ['hooks.image.repository', (value) => ({ values: { hooks: { image: { repository: value } } } })],
  ['hooks.image.tag', (value) => ({ values: { hooks: { image: { tag: value } } } })],
  ['hooks.image.digest', (value) => ({ values: { hooks: { image: { digest: value } } } })],
  ['hooks.image.pullPolicy', (value) => ({ values: { hooks: { image: { pullPolicy: value } } } })],
  ['global.imageRegistry', (value) => ({ values: { global: { imageRegistry: value } } })],
  ['hooks.logLevel', (value) => ({ values: { hooks: { logLevel: value } } })],
  ['nameOverride', (value) => ({ values: { nameOverride: value } })],
  ['fullnameOverride', (value) => ({ values: { fullnameOverride: value } })],
  ['clusterDomain', (value) => ({ values: { clusterDomain: value } })],
  ["kafka.fullnameOverride (a client label's key)", (value) => ({ values: { kafka: { fullnameOverride: value } } })],
  ["postgresql.fullnameOverride (a client label's key)", (value) => ({ values: { postgresql: { fullnameOverride: value } } })],
  [
    'kafkaTopics.bootstrapServers',
    (value) => ({ values: { kafka: { enabled: false }, kafkaTopics: { bootstrapServers: `${value}:9092` } } }),
  ],
  ['kafkaTopics.deleteUnmanaged[0]', (value) => ({ values: { kafkaTopics: { deleteUnmanaged: [value] } } })],
  ['postgresqlSchema.host', (value) => ({ values: { postgresql: { enabled: false }, postgresqlSchema: { host: value } } })],
  ['postgresql.auth.database', (value) => ({ values: { postgresql: { auth: { database: value } } } })],
  ['postgresql.auth.username', (value) => ({ values: { postgresql: { auth: { username: value } } } })],
  ['global.learnflow.credentialsSecret', (value) => ({ values: { global: { learnflow: { credentialsSecret: value } } } })],
  [
    'kafka.sasl.existingSecret and client user',
    (value) => ({
      values: {
        kafka: {
          // Every listener SASL, as the chart requires of a SASL client listener.
          listeners: Object.fromEntries(['client', 'interbroker', 'controller'].map((name) => [name, { protocol: 'SASL_PLAINTEXT' }])),
          sasl: { existingSecret: value, client: { users: [value] } },
        },
      },
    }),
  ],
  ['daprComponents.pubsub.name', (value) => ({ values: { daprComponents: { pubsub: { name: value } } } })],
  ['daprComponents.pubsub.consumerGroupPrefix', (value) => ({ values: { daprComponents: { pubsub: { consumerGroupPrefix: value } } } })],
  ['daprComponents.pubsub.kafkaVersion', (value) => ({ values: { daprComponents: { pubsub: { kafkaVersion: value } } } })],
  ['daprComponents.pubsub.scopes[0]', (value) => ({ values: { daprComponents: { pubsub: { scopes: [value] } } } })],
  ['daprComponents.statestore.name', (value) => ({ values: { daprComponents: { statestore: { name: value } } } })],
  ['daprComponents.statestore.username', (value) => ({ values: { daprComponents: { statestore: { username: value } } } })],
  ['daprComponents.statestore.schema', (value) => ({ values: { daprComponents: { statestore: { schema: value } } } })],
  ['daprComponents.statestore.tableName', (value) => ({ values: { daprComponents: { statestore: { tableName: value } } } })],
  ['daprComponents.statestore.scopes[0]', (value) => ({ values: { daprComponents: { statestore: { scopes: [value] } } } })],
  ['tests.dapr.appId', (value) => ({ values: { tests: { dapr: { appId: value } } } })],
  ['tests.dapr.sidecarResources', (value) => ({ values: { tests: { dapr: { sidecarResources: { requests: { cpu: value } } } } } })],
  ['networkPolicy.extraEgress', (value) => ({ values: { networkPolicy: { extraEgress: [{ to: [{ ipBlock: { cidr: value } }] }] } } })],
  ['the namespace', (value) => ({ namespace: value })],
];

/** Every key of every object, by its path, with the payload read as the benign value: what an added key or item would change. */
function keyPaths(objects: readonly K8sObject[]): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${path}[${index}]`));
    else if (node !== null && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        const keyPath = `${path}.${JSON.stringify(key.replaceAll(payload, benign))}`;
        paths.push(keyPath);
        walk(value, keyPath);
      }
  };
  objects.forEach((object, index) => walk(object, `[${index}]`));
  return paths.sort();
}

/** Every key and string value, to find the payload in. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node !== null && typeof node === 'object') return Object.entries(node).flatMap(([key, value]) => [key, ...strings(value)]);
  return [];
}

describe('a value cannot add keys to the rendered objects, even past the schema', () => {
  it.each(cases)('%s', async (_value, options) => {
    const [injected, plain] = await Promise.all(
      [payload, benign].map((value) => render({ ...options(value), skipSchemaValidation: true })),
    );
    expect(keyPaths(injected!)).toEqual(keyPaths(plain!));
    // The value arrives whole, as one string, rather than dropped.
    expect(strings(injected).some((text) => text.includes(payload))).toBe(true);
  });

  it.each([
    ['hooks.backoffLimit', { hooks: { backoffLimit: payload } }, 'backoffLimit'],
    ['hooks.activeDeadlineSeconds', { hooks: { activeDeadlineSeconds: payload } }, 'activeDeadlineSeconds'],
    ['hooks.ttlSecondsAfterFinished', { hooks: { ttlSecondsAfterFinished: payload } }, 'ttlSecondsAfterFinished'],
  ])('%s stays a number', async (_value, values, field) => {
    const jobs = (await render({ values, skipSchemaValidation: true })).filter((object) => object.kind === 'Job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(typeof (job['spec'] as Record<string, unknown>)[field], job.metadata.name).toBe('number');
  });
});
