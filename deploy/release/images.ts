import { partOfObject } from './components.js';
import { podTemplates } from '../cluster/manifest.js';
import { labelsOf, type K8sObject } from '../cluster/objects.js';
import { labelKeys, learnflowPart } from '../../common/labels.js';

/** An image the release runs: which workloads run it and the values that choose it. */
export interface ReleaseImage {
  image: string;
  usedBy: string[];
  values: string;
}

const sidecarValues = 'dapr.global.registry and dapr.global.tag (the injector adds the sidecar)';

/**
 * Every image of a rendered release, overrides applied: the containers of its workloads, hooks
 * and tests, and the Dapr sidecar the injector adds to Pods that ask for one (its image is the
 * injector's SIDECAR_IMAGE), so that all of them can be mirrored before an install.
 */
export function releaseImages(objects: readonly K8sObject[]): ReleaseImage[] {
  const images = new Map<string, ReleaseImage>();
  const add = (image: string, user: string, values: string) => {
    const entry = images.get(image) ?? { image, usedBy: [], values };
    if (!entry.usedBy.includes(user)) entry.usedBy.push(user);
    images.set(image, entry);
  };
  const templates = podTemplates(objects);
  const sidecar = templates
    .flatMap((template) => template.spec.containers)
    .flatMap((container) => container.env ?? [])
    .find((variable) => variable.name === 'SIDECAR_IMAGE')?.value;
  for (const template of templates) {
    const user = `${template.owner.kind} ${template.owner.metadata.name}`;
    const values = partOfObject(template.owner)?.imageValue ?? 'the image values of its chart';
    for (const container of [...(template.spec.initContainers ?? []), ...template.spec.containers]) add(container.image, user, values);
    if (sidecar && template.annotations['dapr.io/enabled'] === 'true') add(sidecar, user, sidecarValues);
  }
  return [...images.values()].sort((a, b) => a.image.localeCompare(b.image));
}

/** The hooks image a rendered release runs: the one image of LearnFlow's own hook and check Pods (undefined when it has none). */
export function hooksImageOf(objects: readonly K8sObject[]): string | undefined {
  const own = podTemplates(objects).filter((template) => labelsOf(template.owner)[labelKeys.partOf] === learnflowPart);
  return own.flatMap((template) => template.spec.containers).map((container) => container.image)[0];
}
