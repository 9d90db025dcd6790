import { ActionableError } from '../../common/errors.js';
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

/** The chart values that make the hooks use an image: registry/repository:tag or @digest. */
export function imageValues(reference: string): string[] {
  const match =
    /^(?:([^/]+\.[^/]+|[^/]+:\d+|localhost)\/)?([a-z0-9][a-z0-9._/-]*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
      reference,
    );
  if (!match || (!match[3] && !match[4])) {
    throw new ActionableError(
      `--image ${reference} is not an image reference with a tag or digest`,
      'name it as registry/repository:tag or registry/repository@sha256:...',
    );
  }
  const [, registry = 'docker.io', repository, tag, digest] = match;
  return [
    '--set-string',
    `hooks.image.registry=${registry}`,
    '--set-string',
    `hooks.image.repository=${repository}`,
    ...(tag ? ['--set-string', `hooks.image.tag=${tag}`] : []),
    ...(digest ? ['--set-string', `hooks.image.digest=${digest}`] : []),
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
