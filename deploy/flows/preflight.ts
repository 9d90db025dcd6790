import { capacityShortfall, describeFree, freeCapacity, releaseRequests } from '../release/capacity.js';
import { belongsTo, partOfObject } from '../release/components.js';
import { ActionableError } from '../../common/errors.js';
import { isPresent, parseDependencyList, type Helm } from '../tools/helm.js';
import { localClusterOf, type ImageReference } from '../tools/image.js';
import { unreachable, type Kubectl } from '../tools/kubectl.js';
import { parseManifest, podTemplates } from '../cluster/manifest.js';
import type { K8sObject, Node, Pod, Secret, StorageClass } from '../cluster/objects.js';
import { claimsOf, pullSecretNames, pullSecretProblems, storageProblem, versionProblem } from './preflight-problems.js';
import { lastLines, run } from '../tools/process.js';
import type { Progress } from '../output/progress.js';
import { formatResources } from '../cluster/quantity.js';

export interface PreflightOptions {
  release: string;
  namespace: string;
  context?: string | undefined;
  chart: string;
  image?: ImageReference | undefined;
  skipCapacityCheck: boolean;
}

async function toolVersions(kubectl: Kubectl, helm: Helm): Promise<{ kubectl: string; helm: string }> {
  const [client, helmVersion] = await Promise.all([
    kubectl.run(['version', '--client', '--output', 'json']),
    helm.run(['version', '--template', '{{.Version}}']),
  ]);
  const parsed = JSON.parse(client.stdout || '{}') as { clientVersion?: { gitVersion?: string } };
  return { kubectl: parsed.clientVersion?.gitVersion ?? '', helm: helmVersion.stdout.trim() };
}

/** Docker and the local cluster's own tool, when the hooks image is to be built here. */
async function checkImageTools(context: string): Promise<void> {
  const local = localClusterOf(context);
  if (!local) {
    throw new ActionableError(
      `context ${context} is not a local kind, k3d or minikube cluster, so the hooks image cannot be loaded into it`,
      'push the image to a registry the cluster can pull from and pass --image ' +
        'registry/repository:tag (docs/deployment.md#the-hooks-image)',
    );
  }
  for (const [tool, args] of [
    ['docker', ['version', '--format', '{{.Server.Version}}']],
    [local.tool, ['version']],
  ] as const) {
    const result = await run(tool, args);
    if (result.code !== 0)
      throw new ActionableError(
        `${tool} does not work here, and building the hooks image needs it`,
        tool === 'docker' ? 'start Docker' : `install ${tool}`,
        lastLines(result.stderr, 3),
      );
  }
}

/**
 * Everything `up` needs, checked before it changes anything in the cluster: the tools and their
 * versions, the cluster reachable and new enough, no Helm operation left half-done on the release,
 * and what building the hooks image needs. Returns the kube context in use.
 */
export async function checkPrerequisites(kubectl: Kubectl, helm: Helm, options: PreflightOptions, progress: Progress): Promise<string> {
  const tools = await toolVersions(kubectl, helm);
  progress.info(`kubectl ${tools.kubectl}, helm ${tools.helm}`);
  const old = [versionProblem('kubectl', tools.kubectl), versionProblem('helm', tools.helm)].filter(Boolean) as string[];
  if (old.length > 0) throw new ActionableError(old.join('; '), 'install newer versions: see docs/deployment.md#prerequisites');

  const context = options.context ?? (await kubectl.run(['config', 'current-context'])).stdout.trim();
  const server = await kubectl.run(['version', '--output', 'json']);
  const serverVersion = (JSON.parse(server.stdout || '{}') as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
  if (!serverVersion)
    throw (
      unreachable(server.stderr) ??
      new ActionableError("cannot read the cluster's version", 'check the cluster with kubectl version', lastLines(server.stderr))
    );
  progress.info(`cluster: context ${context || '(in-cluster)'}, Kubernetes ${serverVersion}`);
  const tooOld = versionProblem('kubernetes', serverVersion);
  if (tooOld) throw new ActionableError(tooOld, 'use a newer cluster (kind create cluster creates a current one)');

  const release = await helm.release(options.release);
  if (release?.info.status.startsWith('pending-')) {
    throw new ActionableError(
      `release ${options.release} is ${release.info.status} (revision ${release.version}): a Helm operation on it did not finish`,
      `if no other helm or Argo CD is working on it, end it with: helm rollback ${options.release} --namespace ` +
        `${options.namespace} (or, when it was never installed, helm uninstall ` +
        `${options.release}: volumes and the credentials Secret are kept), then run up again`,
    );
  }
  if (release)
    progress.info(`release ${options.release} exists (revision ${release.version}, ${release.info.status}): upgrading it in place`);
  if (!options.image) await checkImageTools(context);
  return context;
}

/** The chart's dependencies downloaded unless present (adding the repositories Chart.yaml names), and the release rendered. */
export async function prepareChart(
  helm: Helm,
  options: PreflightOptions,
  valueArgs: readonly string[],
  progress: Progress,
): Promise<K8sObject[]> {
  const dependencies = parseDependencyList(
    await helm.ok(['dependency', 'list', options.chart], "reading the chart's dependencies", 'check the --chart directory', false),
  );
  if (!dependencies.every(isPresent)) {
    const repositories = JSON.parse((await helm.run(['repo', 'list', '--output', 'json'])).stdout || '[]') as { url: string }[];
    const known = new Set(repositories.map((repository) => repository.url.replace(/\/$/, '')));
    for (const dependency of dependencies.filter(
      (entry) => entry.repository.startsWith('http') && !known.has(entry.repository.replace(/\/$/, '')),
    )) {
      progress.info(`adding chart repository ${dependency.name} (${dependency.repository})`);
      await helm.ok(
        ['repo', 'add', dependency.name, dependency.repository, '--force-update'],
        `adding the ${dependency.name} chart repository`,
        'check network access to the repository',
        false,
      );
    }
    progress.waiting('helm dependency build');
    await helm.ok(
      ['dependency', 'build', options.chart],
      "downloading the chart's dependencies",
      'check network access to the chart registries named in Chart.yaml',
      false,
    );
  }
  const manifest = await helm.ok(
    ['template', options.release, options.chart, ...valueArgs],
    'rendering the chart',
    'fix the values Helm names below (values.schema.json says what each may be)',
    false,
  );
  return parseManifest(manifest);
}

/**
 * Whether the release fits: free CPU and memory on the schedulable nodes against its requests
 * (the scheduler has the final word per node; up explains what it says), volumes it can get, and
 * Dapr's CRDs when the release does not bring Dapr. What RBAC hides is skipped with a warning.
 */
export async function checkFit(
  kubectl: Kubectl,
  options: PreflightOptions,
  objects: readonly K8sObject[],
  progress: Progress,
): Promise<void> {
  progress.waiting('node capacity');
  const [nodes, pods, classes] = await Promise.all([
    kubectl.listIfAllowed<Node>('nodes', { clusterWide: true }),
    kubectl.listIfAllowed<Pod>('pods', { clusterWide: true }),
    kubectl.listIfAllowed<StorageClass>('storageclasses', { clusterWide: true }),
  ]);
  const needed = releaseRequests(podTemplates(objects));
  if (options.skipCapacityCheck || !nodes || !pods) {
    progress.info(
      `the release requests ${formatResources(needed.total)}; capacity not checked ` +
        `(${options.skipCapacityCheck ? '--skip-capacity-check' : 'no permission to list nodes and pods'})`,
    );
  } else {
    // The release's own Pods (a re-run) are replaced, not added to.
    const free = freeCapacity(nodes, pods, (pod) => pod.metadata.namespace === options.namespace && belongsTo(options.release)(pod));
    progress.info(`the release requests ${formatResources(needed.total)}; the cluster has ${describeFree(free)}`);
    const shortfall = capacityShortfall(needed, free);
    if (shortfall) {
      throw new ActionableError(
        'the cluster has too little free CPU or memory for the release',
        'lower the requests named below (with -f or --set), or add nodes; a cluster that ' +
          'adds nodes on demand can skip this check with --skip-capacity-check',
        shortfall,
      );
    }
  }
  if (classes) {
    const storage = storageProblem(claimsOf(objects), classes);
    if (storage) {
      throw new ActionableError(
        storage,
        'mark a StorageClass as the default (kubectl patch storageclass NAME -p ' +
          `'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'), ` +
          'or set global.defaultStorageClass to one that exists',
      );
    }
  } else {
    progress.info('StorageClasses not checked: no permission to list them');
  }
  await checkDaprCrds(kubectl, objects);
}

/**
 * The image pull Secrets the values name are in the release's namespace, as registry logins the
 * kubelet reads: it would pull without them, and a private registry refuses the pull only once
 * the release is half installed. Skipped, with a note, when RBAC hides Secrets.
 */
export async function checkPullSecrets(kubectl: Kubectl, objects: readonly K8sObject[], progress: Progress): Promise<void> {
  const namespace = kubectl.target.namespace;
  const names = pullSecretNames(objects, namespace);
  if (names.length === 0) return;
  const found = await kubectl.getIfAllowed<Secret>('secrets', names);
  if (!found) {
    progress.info(`image pull Secrets ${names.join(', ')} not checked: no permission to read Secrets`);
    return;
  }
  const problems = pullSecretProblems(names, found);
  if (problems.length === 0) return;
  throw new ActionableError(
    `the image pull Secrets the values name cannot be used in namespace ${namespace}`,
    `create each before up, as a registry login: kubectl create secret docker-registry NAME --docker-server=REGISTRY ` +
      `--docker-username=... --docker-password=... --namespace ${namespace}; or remove the name from hooks.imagePullSecrets ` +
      `or global.imagePullSecrets (docs/deployment.md#the-hooks-image)`,
    problems,
  );
}

/** Whether a render holds the Dapr control plane (the dapr subchart's Deployments). */
function bringsDapr(objects: readonly K8sObject[]): boolean {
  return objects.some((object) => object.kind === 'Deployment' && partOfObject(object)?.components.includes('dapr'));
}

/**
 * An upgrade that would remove the release's Dapr control plane is refused: every sidecar in the
 * cluster relies on it. A release made with profiles/production.yaml before 0.2.0 would lose it
 * to that profile's new dapr.enabled: false.
 */
export async function checkDaprKept(helm: Helm, release: string, objects: readonly K8sObject[]): Promise<void> {
  if (bringsDapr(objects)) return;
  const deployed = await helm.run(['get', 'manifest', release]);
  if (deployed.code !== 0 || !bringsDapr(parseManifest(deployed.stdout))) return;
  throw new ActionableError(
    `the upgrade would remove release ${release}'s Dapr control plane (dapr.enabled is false), ` +
      'which every Dapr sidecar in the cluster relies on',
    'keep it with --set dapr.enabled=true, or move it to a release of its own first ' +
      '(docs/upgrade.md, "Upgrading to 0.2.0: Dapr in a namespace of its own")',
  );
}

/**
 * Whether to leave the chart's CRDs as the cluster has them. Helm 4 applies crds/ server-side on
 * every install, and Dapr's operator owns fields of its CRDs once it runs (the conversion
 * webhook's service and CA): installing again after an uninstall, which keeps CRDs, fails on that
 * conflict. Helm 3 never touched CRDs that existed; neither does up.
 */
export async function crdsToSkip(kubectl: Kubectl, objects: readonly K8sObject[]): Promise<boolean> {
  if (!bringsDapr(objects)) return false;
  return (await kubectl.run(['get', 'customresourcedefinition', 'subscriptions.dapr.io', '--output', 'name'])).code === 0;
}

/** Dapr Components need Dapr's CRDs: the dapr subchart brings them, otherwise the cluster must have them. */
async function checkDaprCrds(kubectl: Kubectl, objects: readonly K8sObject[]): Promise<void> {
  const needsCrds = objects.some((object) => object.apiVersion.startsWith('dapr.io/'));
  if (!needsCrds || bringsDapr(objects)) return;
  const found = await kubectl.run(['get', 'customresourcedefinition', 'components.dapr.io', '--output', 'name']);
  if (found.code === 0 || /forbidden/i.test(found.stderr)) return;
  throw new ActionableError(
    'the release has Dapr components but the cluster has no Dapr (its CRDs are missing) and dapr.enabled is false',
    'install the control plane first, in a release of its own as docs/dapr.md says ' +
      '(helm install dapr . --namespace dapr-system --create-namespace -f profiles/production.yaml -f profiles/dapr-control-plane.yaml), ' +
      'or set dapr.enabled=true to install it with the release',
    lastLines(found.stderr, 2),
  );
}
