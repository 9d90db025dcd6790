import { describe, expect, it } from 'vitest';
import { chartCopy, helm, ownChartDir, render, renderError, subchartsDir, type K8sObject } from '../../support/chart.js';
import { admits } from '../../support/network-policy.js';

// Services in namespaces of their own (global.learnflow.serviceNamespaces, docs/services.md).
const serviceNamespaces = ['progress', 'tutors'];
const inServiceNamespaces = `global.learnflow.serviceNamespaces={${serviceNamespaces.join(',')}}`;
const clientLabels = { 'learnflow-kafka-client': 'true', 'learnflow-postgresql-client': 'true' };

/** The objects of `kind` named `name`, by namespace, without the namespace. */
function byNamespace(objects: readonly K8sObject[], kind: string, name: string): Record<string, unknown> {
  const entries: [string, unknown][] = objects
    .filter((object) => object.kind === kind && object.metadata.name === name)
    .map(({ metadata: { namespace, ...metadata }, ...object }) => [namespace!, { ...object, metadata }]);
  return Object.fromEntries(entries);
}

const env = (objects: readonly K8sObject[]) =>
  Object.fromEntries(
    (
      objects.find((object) => object.kind === 'Job' && object.metadata.name === 'learnflow-credentials-hook')!['spec'] as {
        template: { spec: { containers: { env: { name: string; value: string }[] }[] } };
      }
    ).template.spec.containers[0]!.env.map(({ name, value }) => [name, value]),
  );

describe('services in namespaces of their own', () => {
  it("gives each the Dapr components, the connection ConfigMap and the credentials hook's Role the release's namespace has", async () => {
    const objects = await render({ set: [inServiceNamespaces] });
    for (const [kind, name] of [
      ['Component', 'pubsub-kafka'],
      ['Component', 'statestore'],
      ['ConfigMap', 'learnflow-connection'],
      ['Role', 'learnflow-credentials-hook'],
      ['RoleBinding', 'learnflow-credentials-hook'],
    ] as const) {
      const copies = byNamespace(objects, kind, name);
      expect(Object.keys(copies), `${kind} ${name}`).toEqual(['learnflow', ...serviceNamespaces]);
      for (const namespace of serviceNamespaces) expect(copies[namespace], `${kind} ${name} in ${namespace}`).toEqual(copies['learnflow']);
    }
    // The binding names the hook's account in the release's namespace, wherever it is.
    const binding = byNamespace(objects, 'RoleBinding', 'learnflow-credentials-hook')['progress'] as { subjects: unknown[] };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'learnflow-credentials-hook', namespace: 'learnflow' }]);
    // Nothing else goes there: no hook, check, or the release's own Secret.
    const elsewhere = objects.filter((object) => serviceNamespaces.includes(object.metadata.namespace!));
    expect(elsewhere).toHaveLength(serviceNamespaces.length * 5);
  });

  it("has the credentials hook copy a service's keys only: its role's, the state store's, Kafka's client password with SASL", async () => {
    expect(env(await render({ set: [inServiceNamespaces] }))).toMatchObject({
      LEARNFLOW_HOOKS_SERVICE_NAMESPACES: 'progress,tutors',
      LEARNFLOW_HOOKS_SERVICE_KEYS: 'services-password,dapr-password',
    });
    const sasl = await render({ valuesFiles: ['profiles/production.yaml'], set: [inServiceNamespaces] });
    expect(env(sasl)['LEARNFLOW_HOOKS_SERVICE_KEYS']).toBe('services-password,dapr-password,client-passwords');
    expect(env(await render({ set: [inServiceNamespaces, 'daprComponents.enabled=false'] }))['LEARNFLOW_HOOKS_SERVICE_KEYS']).toBe(
      'services-password',
    );
    // A service may talk to Kafka directly (KAFKA_BOOTSTRAP_SERVERS): with SASL it needs the password without Dapr too.
    const direct = await render({ valuesFiles: ['profiles/production.yaml'], set: [inServiceNamespaces, 'daprComponents.enabled=false'] });
    expect(env(direct)['LEARNFLOW_HOOKS_SERVICE_KEYS']).toBe('services-password,client-passwords');
    expect(Object.keys(env(await render()))).not.toContain('LEARNFLOW_HOOKS_SERVICE_NAMESPACES');
  });

  it("lets their client-labelled Pods reach Kafka's and PostgreSQL's client ports, and no other Pod or port", async () => {
    const chart = await chartCopy({ subcharts: subchartsDir() });
    for (const valuesFiles of [[], ['profiles/production.yaml']]) {
      const objects = await render({ chart, valuesFiles, set: [inServiceNamespaces] });
      for (const [name, port, other] of [
        ['learnflow-kafka', 9092, 9093],
        ['learnflow-postgresql', 5432, 9187],
      ] as const) {
        const policy = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === name)!;
        for (const namespace of serviceNamespaces)
          expect(admits(policy, clientLabels, port, namespace), `${name} from ${namespace}`).toBe(true);
        expect(admits(policy, clientLabels, other, 'progress'), `${name} port ${other}`).toBe(false);
        expect(admits(policy, { 'app.kubernetes.io/name': 'progress' }, port, 'progress'), `${name}: an unlabelled Pod`).toBe(false);
        expect(admits(policy, clientLabels, port, 'elsewhere'), `${name}: another namespace`).toBe(false);
      }
    }
    // Without services namespaces, the policies admit no other namespace.
    const objects = await render({ chart });
    const kafka = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'learnflow-kafka')!;
    expect(admits(kafka, clientLabels, 9092, 'progress')).toBe(false);
  });

  it('names them in the release notes, and points at them when there are none', async () => {
    const notes = async (set: string[]) =>
      (
        await helm([
          'install',
          'learnflow',
          await ownChartDir(),
          '--namespace',
          'learnflow',
          '--dry-run=client',
          ...set.flatMap((item) => ['--set', item]),
        ])
      ).stdout;
    expect(await notes([inServiceNamespaces])).toContain(
      "Services namespaces, each with the Dapr components, that ConfigMap and a copy of the Secret with only a service's keys: " +
        'progress, tutors',
    );
    expect(await notes([])).toContain('Run services in a namespace of their own: list it in global.learnflow.serviceNamespaces.');
  });

  it("refuses the release's own namespace, and Kafka's SASL password in a Secret the services namespaces do not get", async () => {
    expect(await renderError({ set: ['global.learnflow.serviceNamespaces={learnflow}'] })).toContain(
      'global.learnflow.serviceNamespaces lists the release\'s own namespace "learnflow"',
    );
    expect(
      await renderError({
        valuesFiles: ['profiles/kraft.yaml', 'profiles/kafka-sasl.yaml'],
        set: [inServiceNamespaces, 'kafka.sasl.existingSecret=kafka-users'],
      }),
    ).toContain('set kafka.sasl.existingSecret to \'{{ include "learnflow.credentials.secretName" . }}\'');
    expect(await renderError({ set: ['global.learnflow.serviceNamespaces={Progress}'] })).toContain("'Progress' does not match pattern");
  });
});
