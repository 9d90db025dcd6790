import { labelKeys, learnflowPart } from '../../common/labels.js';
import { labelsOf, type K8sObject, type Metadata, type Workload } from '../cluster/objects.js';

/** The three components a user deploys and verifies. */
export const componentNames = ['kafka', 'postgresql', 'dapr'] as const;
export type ComponentName = (typeof componentNames)[number];

/** What an object of the release is part of, and which values size it and name its image. */
export interface Part {
  /** The components it serves: one, but for the hook that reconciles Kafka and PostgreSQL together. */
  components: readonly ComponentName[];
  /** Human name, e.g. "Kafka broker". */
  title: string;
  resourcesValue: string;
  imageValue: string;
  /** The values that set its Pods' security context. */
  securityValue: string;
}

const hooks = {
  resourcesValue: 'hooks.resources',
  imageValue: 'hooks.image (registry, repository, tag)',
  securityValue: 'hooks.podSecurityContext and hooks.containerSecurityContext',
};
const kafkaImage = 'kafka.image (registry, repository, tag)';
const daprImage = 'dapr.global.registry and dapr.global.tag';

/** Our own hook and test Pods, by their app.kubernetes.io/component label. */
const ownParts: Record<string, Part> = {
  reconcile: { components: ['kafka', 'postgresql'], title: 'topics, migrations and seeds hook', ...hooks },
  'kafka-check': { components: ['kafka'], title: 'Kafka check', ...hooks },
  'credentials-hook': { components: ['postgresql'], title: 'credentials hook', ...hooks },
  'postgresql-check': { components: ['postgresql'], title: 'PostgreSQL check', ...hooks },
  'dapr-check': { components: ['dapr'], title: 'Dapr check', ...hooks },
};

/**
 * The part an object (or a Pod) of the release belongs to, from the labels the Bitnami, Dapr and
 * our own templates put on it; undefined for anything else.
 */
export function partOf(object: { metadata?: Metadata }): Part | undefined {
  const labels = labelsOf(object);
  const name = labels['app.kubernetes.io/name'];
  const component = labels['app.kubernetes.io/component'] ?? '';
  if (labels[labelKeys.partOf] === learnflowPart) return ownParts[component];
  if (labels['app.kubernetes.io/part-of'] === 'dapr') {
    const service = component.replaceAll('-', '_');
    return {
      components: ['dapr'],
      title: `Dapr ${component}`,
      resourcesValue: `dapr.dapr_${service}.resources`,
      imageValue: daprImage,
      securityValue: 'dapr.global.seccompProfile',
    };
  }
  if (name === 'zookeeper') {
    return {
      components: ['kafka'],
      title: 'ZooKeeper',
      resourcesValue: 'kafka.zookeeper.resources',
      imageValue: 'kafka.zookeeper.image (registry, repository, tag)',
      securityValue: 'kafka.zookeeper.podSecurityContext and kafka.zookeeper.containerSecurityContext',
    };
  }
  if (name === 'kafka') {
    const role = component === 'controller-eligible' ? 'controller' : 'broker';
    return {
      components: ['kafka'],
      title: `Kafka ${role}`,
      resourcesValue: `kafka.${role}.resources`,
      imageValue: kafkaImage,
      securityValue: `kafka.${role}.podSecurityContext and kafka.${role}.containerSecurityContext`,
    };
  }
  if (name === 'postgresql') {
    return {
      components: ['postgresql'],
      title: 'PostgreSQL',
      resourcesValue: 'postgresql.primary.resources',
      imageValue: 'postgresql.image (registry, repository, tag)',
      securityValue: 'postgresql.primary.podSecurityContext and postgresql.primary.containerSecurityContext',
    };
  }
  return undefined;
}

/**
 * The part a rendered object belongs to, reading a workload's Pod template labels when it has
 * them; the reconcile hook counts only for the components whose parts it runs (its arguments).
 */
export function partOfObject(object: K8sObject): Part | undefined {
  const template = (object as Workload).spec?.template;
  const part =
    partOf(object) ??
    (template ? partOf({ metadata: { name: object.metadata.name, labels: template.metadata?.labels ?? {} } }) : undefined);
  if (!part || !template || part !== ownParts['reconcile']) return part;
  const args = template.spec.containers.flatMap((container) => container.args ?? []);
  const runs: Record<string, (arg: string) => boolean> = {
    kafka: (arg) => arg === 'kafka-topics',
    postgresql: (arg) => arg.startsWith('postgresql-'),
  };
  return { ...part, components: part.components.filter((component) => args.some((arg) => runs[component]?.(arg))) };
}

/**
 * Whether an object in the namespace is the release's: the Bitnami charts and ours label it with
 * the release as instance; the dapr chart labels its own with the release as name instead.
 */
export function belongsTo(release: string): (object: { metadata?: Metadata }) => boolean {
  return (object) => {
    const labels = labelsOf(object);
    return (
      labels['app.kubernetes.io/instance'] === release ||
      (labels['app.kubernetes.io/part-of'] === 'dapr' && labels['app.kubernetes.io/name'] === release)
    );
  };
}
