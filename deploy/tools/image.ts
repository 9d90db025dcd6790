import { ActionableError, ExitCode } from '../../common/errors.js';
import { lastLines, run } from './process.js';

export interface LocalCluster {
  tool: 'kind' | 'k3d' | 'minikube';
  name: string;
}

/** The local cluster a kube context belongs to, by the context names kind, k3d and minikube give. */
export function localClusterOf(context: string): LocalCluster | undefined {
  if (context.startsWith('kind-')) return { tool: 'kind', name: context.slice('kind-'.length) };
  if (context.startsWith('k3d-')) return { tool: 'k3d', name: context.slice('k3d-'.length) };
  if (context === 'minikube') return { tool: 'minikube', name: 'minikube' };
  return undefined;
}

/** A hooks image named by --image, in the parts the chart's hooks.image values take. */
export interface ImageReference {
  /** As the user wrote it. */
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

// The grammar of distribution/reference (regexp.go), by which Docker, containerd and the kubelet
// read image names; the chart's schema holds hooks.image.* to the same.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const grammar = {
  registry: new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`),
  repository: new RegExp(`^${pathComponent}(?:/${pathComponent})*$`),
  tag: /^\w[\w.-]{0,127}$/,
  digest: /^sha256:[a-f0-9]{64}$/,
};

/**
 * Reads --image as an image reference, refusing anything else: its parts become --set-string
 * values, where a "," or "=" would smuggle in values of its own.
 */
export function parseImageReference(reference: string): ImageReference {
  const refuse = (why: string) =>
    new ActionableError(
      `--image ${JSON.stringify(reference)} is not an image reference: ${why}`,
      'name it as [registry[:port]/]repository:tag or ...@sha256:<64 hex digits>, ' +
        'e.g. --image registry.example.com:5000/learnflow/learnflow-hooks:0.2.0',
      [],
      ExitCode.invalidInput,
    );
  const [name = '', digest, ...more] = reference.split('@');
  if (more.length > 0) throw refuse('it has more than one "@"');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const [path, tag] = colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, undefined];
  // Docker's rule: the first component names a registry when it has a "." or ":" or is localhost.
  const first = path.split('/')[0]!;
  const hasRegistry = path.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  const image = {
    reference,
    registry: hasRegistry ? first : 'docker.io',
    repository: hasRegistry ? path.slice(first.length + 1) : path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
  if (!grammar.registry.test(image.registry))
    throw refuse(`its registry ${JSON.stringify(image.registry)} is not a host name or address with an optional :port`);
  if (!grammar.repository.test(image.repository))
    throw refuse(
      `its repository ${JSON.stringify(image.repository)} is not lowercase letters and digits, ` +
        'in components separated by "/" and joined by ".", "_", "__" or "-"',
    );
  if (tag !== undefined && !grammar.tag.test(tag))
    throw refuse(`its tag ${JSON.stringify(tag)} is not 1 to 128 letters, digits, "_", "." and "-" that start with a letter, digit or "_"`);
  if (digest !== undefined && !grammar.digest.test(digest))
    throw refuse(`its digest ${JSON.stringify(digest)} is not sha256: and 64 lowercase hex digits`);
  if (tag === undefined && digest === undefined) throw refuse('it has neither a tag nor a digest, so what the cluster runs could change');
  return image;
}

/** The chart values that make the hooks use an image. */
export function imageValues(image: ImageReference): string[] {
  return [
    '--set-string',
    `hooks.image.registry=${image.registry}`,
    '--set-string',
    `hooks.image.repository=${image.repository}`,
    ...(image.tag ? ['--set-string', `hooks.image.tag=${image.tag}`] : []),
    ...(image.digest ? ['--set-string', `hooks.image.digest=${image.digest}`] : []),
  ];
}

const loaders: Record<LocalCluster['tool'], (image: string, name: string) => [string, string[]]> = {
  kind: (image, name) => ['kind', ['load', 'docker-image', image, '--name', name]],
  k3d: (image, name) => ['k3d', ['image', 'import', image, '--cluster', name]],
  minikube: (image, name) => ['minikube', ['image', 'load', image, '--profile', name]],
};

/** Builds the hooks image from this package's Dockerfile and loads it into a local cluster. */
export async function buildAndLoad(chartRoot: string, image: string, cluster: LocalCluster): Promise<void> {
  const built = await run('docker', ['build', '--tag', image, chartRoot]);
  if (built.code !== 0)
    throw new ActionableError(
      'building the hooks image failed',
      "see Docker's message below; or pass --image with an image from a registry",
      lastLines(built.stderr),
    );
  const [command, args] = loaders[cluster.tool](image, cluster.name);
  const loaded = await run(command, args);
  if (loaded.code !== 0)
    throw new ActionableError(
      `loading the hooks image into ${cluster.tool} cluster ${cluster.name} failed`,
      `see ${command}'s message below`,
      lastLines(loaded.stderr),
    );
}
