/** The parts of Kubernetes objects the deploy commands read; everything else is ignored. */

export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Set once the object is being deleted. */
  deletionTimestamp?: string;
  ownerReferences?: { kind: string; name: string; uid: string }[];
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: unknown;
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  /** Native sidecars (init containers with restartPolicy Always) run beside the others. */
  restartPolicy?: string;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  imagePullSecrets?: { name: string }[];
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode: number; reason?: string; message?: string };
  };
}

export interface Pod extends K8sObject {
  kind: 'Pod';
  spec: PodSpec;
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface Job extends K8sObject {
  kind: 'Job';
  status?: {
    succeeded?: number;
    failed?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Deployments and StatefulSets. */
export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string }; spec?: { storageClassName?: string } }[];
  };
  status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number };
}

export interface Node extends K8sObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status?: { allocatable?: ResourceList };
}

export interface Event extends K8sObject {
  involvedObject: { kind: string; name: string };
  type: string;
  reason: string;
  message: string;
  lastTimestamp?: string;
  eventTime?: string;
}

export interface PersistentVolumeClaim extends K8sObject {
  spec?: { storageClassName?: string };
  status?: { phase?: string };
}

export type StorageClass = K8sObject;

export interface Secret extends K8sObject {
  type?: string;
  data?: Record<string, string>;
}

export interface List<T> {
  items: T[];
}

export function labelsOf(object: { metadata?: Metadata }): Record<string, string> {
  return object.metadata?.labels ?? {};
}

export function isHook(object: K8sObject): boolean {
  return Boolean(object.metadata.annotations?.['helm.sh/hook']);
}
