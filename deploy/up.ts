import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { componentBudgets, upBudget, type Timing } from './budgets.js';
import { capacityShortfall, describeFree, freeCapacity, releaseRequests } from './capacity.js';
import { componentNames, partOf, type ComponentName } from './components.js';
import { DeployError } from './deploy-error.js';
import type { Diagnosis } from './diagnose.js';
import { Helm, isPresent, parseDependencyList } from './helm.js';
import { buildAndLoad, imageValues, localClusterOf } from './image.js';
import { createKindCluster } from './kind.js';
import { Kubectl, unreachable, type Target } from './kubectl.js';
import { parseManifest, podTemplates } from './manifest.js';
import { diagnose, observe } from './observe.js';
import type { Node, Pod, StorageClass } from './objects.js';
import { chartRoot } from './paths.js';
import { claimsOf, storageProblem, versionProblem } from './prerequisites.js';
import { helmError, lastLines, type Finished } from './process.js';
import { formatDuration, type Progress } from './progress.js';
import { expectedObjects, pendingByComponent } from './readiness.js';
import { formatResources } from './quantity.js';
import { verify, type VerifyReport } from './verify.js';

export interface UpOptions {
  release: string;
  namespace: string;
  context?: string | undefined;
  chart: string;
  /** -f files and --set values, passed to Helm as given. */
  valueArgs: string[];
  image?: string | undefined;
  createKindCluster?: string | undefined;
  /** How long a problem that stops progress (unschedulable, image pull) may last before up gives up. */
  stallSeconds: number;
  pollSeconds: number;
}

export interface UpReport {
  ok: boolean;
  timings: Timing[];
  verification: VerifyReport;
  notes: string;
}

/** Checks, prepares, installs or upgrades, waits and verifies; re-running continues from where the cluster is. */
export async function up(options: UpOptions, progress: Progress): Promise<UpReport> {
  const started = Date.now();
  const timings: Timing[] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    progress.phase(name);
    const phaseStarted = Date.now();
    const result = await work();
    timings.push({ name, ms: Date.now() - phaseStarted });
    return result;
  };

  if (options.createKindCluster) {
    const name = options.createKindCluster;
    options = { ...options, context: await timed('kind cluster', () => createKindCluster(name, progress)) };
  }
  const target: Target = { context: options.context, namespace: options.namespace };
  const kubectl = new Kubectl(target);
  const helm = new Helm(target);

  const context = await timed('prerequisites', () => checkPrerequisites(kubectl, helm, options, progress));
  const image = options.image ? imageValues(options.image) : [];
  const valueArgs = [...options.valueArgs, ...image];
  const rendered = await timed('chart', () => prepareChart(kubectl, helm, options, valueArgs, progress));
  await timed('image', () => prepareImage(options, context, progress));
  const install = await timed('install', () => installRelease(kubectl, helm, options, valueArgs, rendered, progress, timings, started));
  const verification = await timed('verify', () => verify(kubectl, helm, options.release, [...componentNames], progress));
  timings.push({ name: 'total', ms: Date.now() - started, budgetSeconds: upBudget.seconds, criterion: upBudget.criterion });
  progress.stop();
  return { ok: verification.ok, timings, verification, notes: install.notes };
}

async function version(kubectl: Kubectl, helm: Helm): Promise<{ kubectl: string; helm: string }> {
  const [client, helmVersion] = await Promise.all([kubectl.run(['version', '--client', '--output', 'json']), helm.run(['version', '--template', '{{.Version}}'])]);
  return { kubectl: (JSON.parse(client.stdout || '{}') as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '', helm: helmVersion.stdout.trim() };
}

async function checkPrerequisites(kubectl: Kubectl, helm: Helm, options: UpOptions, progress: Progress): Promise<string> {
  const tools = await version(kubectl, helm);
  progress.info(`kubectl ${tools.kubectl}, helm ${tools.helm}`);
  const old = [versionProblem('kubectl', tools.kubectl), versionProblem('helm', tools.helm)].filter(Boolean) as string[];
  if (old.length > 0) throw new DeployError(old.join('; '), 'install newer versions: see docs/deployment.md#prerequisites');

  const current = options.context ?? (await kubectl.run(['config', 'current-context'])).stdout.trim();
  const server = await kubectl.run(['version', '--output', 'json']);
  const serverVersion = (JSON.parse(server.stdout || '{}') as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
  if (!serverVersion) throw unreachable(server.stderr) ?? new DeployError(`cannot read the cluster's version`, 'check the cluster with kubectl version', lastLines(server.stderr));
  progress.info(`cluster: context ${current || '(in-cluster)'}, Kubernetes ${serverVersion}`);
  const tooOld = versionProblem('kubernetes', serverVersion);
  if (tooOld) throw new DeployError(tooOld, 'use a newer cluster (kind create cluster creates a current one)');

  const release = await helm.release(options.release);
  if (release && release.info.status.startsWith('pending-')) {
    throw new DeployError(
      `release ${options.release} is ${release.info.status} (revision ${release.version}): a Helm operation on it did not finish`,
      `if no other helm or Argo CD is working on it, end it with: helm rollback ${options.release} --namespace ${options.namespace} (or, when it was never installed, helm uninstall ${options.release}: volumes and the credentials Secret are kept), then run up again`,
    );
  }
  if (release) progress.info(`release ${options.release} exists (revision ${release.version}, ${release.info.status}): upgrading it in place`);
  return current;
}

async function prepareChart(kubectl: Kubectl, helm: Helm, options: UpOptions, valueArgs: string[], progress: Progress): Promise<ReturnType<typeof parseManifest>> {
  const dependencies = parseDependencyList(await helm.ok(['dependency', 'list', options.chart], 'reading the chart\'s dependencies', 'check the --chart path', false));
  if (!dependencies.every(isPresent)) {
    const known = new Set(JSON.parse((await helm.run(['repo', 'list', '--output', 'json'])).stdout || '[]').map((repo: { url: string }) => repo.url.replace(/\/$/, '')));
    for (const dependency of dependencies.filter((entry) => entry.repository.startsWith('http') && !known.has(entry.repository.replace(/\/$/, '')))) {
      progress.info(`adding chart repository ${dependency.name} (${dependency.repository})`);
      await helm.ok(['repo', 'add', dependency.name, dependency.repository, '--force-update'], `adding the ${dependency.name} chart repository`, 'check network access to the repository', false);
    }
    progress.waiting('helm dependency build');
    await helm.ok(['dependency', 'build', options.chart], 'downloading the chart\'s dependencies', 'check network access to the chart registries named in Chart.yaml', false);
  }
  const manifest = await helm.ok(['template', options.release, options.chart, ...valueArgs], 'rendering the chart', 'fix the values Helm names above (values.schema.json says what each may be)', false);
  const objects = parseManifest(manifest);

  progress.waiting('node capacity');
  const [nodes, pods, classes] = await Promise.all([
    kubectl.list<Node>('nodes', { clusterWide: true }),
    kubectl.list<Pod>('pods', { clusterWide: true }),
    kubectl.list<StorageClass>('storageclasses', { clusterWide: true }),
  ]);
  const needed = releaseRequests(podTemplates(objects));
  const ours = (pod: Pod) => pod.metadata.namespace === options.namespace && pod.metadata.labels?.['app.kubernetes.io/instance'] === options.release;
  const free = freeCapacity(nodes, pods, ours);
  progress.info(`the release requests ${formatResources(needed.total)}; the cluster has ${describeFree(free)}`);
  const shortfall = capacityShortfall(needed, free);
  if (shortfall) {
    throw new DeployError('the cluster has too little free CPU or memory for the release', 'lower the requests named below (for example with -f profiles/... or --set), or add nodes', shortfall);
  }
  await checkDaprCrds(kubectl, objects);
  const storage = storageProblem(claimsOf(objects), classes);
  if (storage) {
    throw new DeployError(storage, 'mark a StorageClass as the default (kubectl patch storageclass NAME -p \'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}\'), or set global.defaultStorageClass to one that exists');
  }
  return objects;
}

/** Dapr Components need Dapr's CRDs: the dapr subchart brings them, otherwise the cluster must have them. */
async function checkDaprCrds(kubectl: Kubectl, objects: ReturnType<typeof parseManifest>): Promise<void> {
  const needsCrds = objects.some((object) => object.apiVersion.startsWith('dapr.io/'));
  const bringsDapr = objects.some((object) => partOf(object)?.title === 'Dapr operator');
  if (!needsCrds || bringsDapr) return;
  const found = await kubectl.run(['get', 'customresourcedefinition', 'components.dapr.io', '--output', 'name']);
  if (found.code !== 0) {
    throw new DeployError(
      'the release has Dapr components but the cluster has no Dapr (its CRDs are missing) and dapr.enabled is false',
      'set dapr.enabled=true to install the Dapr control plane with the release, or install Dapr first (docs/dapr.md)',
      lastLines(found.stderr, 2),
    );
  }
}

async function prepareImage(options: UpOptions, context: string, progress: Progress): Promise<void> {
  if (options.image) {
    progress.info(`hooks image: ${options.image} (pulled by the cluster)`);
    return;
  }
  const local = localClusterOf(context);
  if (!local) {
    throw new DeployError(
      `context ${context} is not a local kind, k3d or minikube cluster, so the hooks image cannot be loaded into it`,
      'push the image to a registry the cluster can pull from and pass --image registry/repository:tag (docs/deployment.md#the-hooks-image)',
    );
  }
  // The tag the chart uses by default (its appVersion), so that no value needs to change.
  const appVersion = (parse(await readFile(join(chartRoot, 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion;
  const image = `ghcr.io/learnflow/learnflow-hooks:${appVersion}`;
  progress.waiting(`docker build and ${local.tool} load of ${image}`);
  await buildAndLoad(chartRoot, image, local);
}

function problemLines(problems: readonly Diagnosis[]): string[] {
  return problems.flatMap((problem) => [problem.message, `  fix: ${problem.fix}`, ...problem.details.map((detail) => `  | ${detail}`)]);
}

/**
 * helm upgrade --install --wait, watched: each component's readiness is timed against its budget,
 * and a problem that will not go away by waiting (unschedulable, image not pullable) stops the
 * install after --stall-seconds with its explanation, instead of a timeout.
 */
async function installRelease(
  kubectl: Kubectl,
  helm: Helm,
  options: UpOptions,
  valueArgs: string[],
  rendered: ReturnType<typeof parseManifest>,
  progress: Progress,
  timings: Timing[],
  upStarted: number,
): Promise<{ notes: string }> {
  const started = Date.now();
  const expected = expectedObjects(rendered);
  const jobNames = new Set(rendered.filter((object) => object.kind === 'Job').map((object) => object.metadata.name));
  const remaining = Math.max(60, upBudget.seconds - Math.round((started - upStarted) / 1000));
  const abort = new AbortController();
  let finished: Finished | undefined;
  const helmRun = helm
    .run(['upgrade', options.release, options.chart, '--install', '--create-namespace', '--reset-values', '--wait', '--timeout', `${remaining}s`, ...valueArgs], abort.signal)
    .then((result) => (finished = result));

  const firstSeen = new Map<string, number>();
  const ready = new Set<ComponentName>();
  // Helm takes SIGTERM as a cancellation and records the release as failed, which the next up upgrades.
  const stop = async (message: string, fix: string, problems: Diagnosis[]): Promise<never> => {
    abort.abort();
    await helmRun;
    throw new DeployError(message, fix, problemLines(problems));
  };
  for (;;) {
    await Promise.race([helmRun, sleep(options.pollSeconds * 1000)]);
    const snapshot = await observe(kubectl);
    const ours = { ...snapshot, pods: snapshot.pods.filter((pod) => partOf(pod)) };
    const problems = await diagnose(kubectl, ours, jobNames);
    problems.forEach((problem) => progress.problem(problem));

    const pending = pendingByComponent(expected, snapshot, started);
    for (const component of componentNames) {
      if (ready.has(component) || pending[component].length > 0) continue;
      ready.add(component);
      const budget = componentBudgets[component];
      timings.push({ name: component, ms: Date.now() - started, budgetSeconds: budget.seconds, criterion: budget.criterion });
      progress.info(`${component} ready after ${formatDuration(Date.now() - started)} (budget ${formatDuration(budget.seconds * 1000)}, ${budget.criterion})`);
    }
    const waitingFor = componentNames.flatMap((component) => pending[component]);
    if (finished) break;
    progress.waiting(waitingFor.length > 0 ? waitingFor.join(', ') : 'helm');

    const now = Date.now();
    for (const key of firstSeen.keys()) if (!problems.some((problem) => problem.key === key)) firstSeen.delete(key);
    for (const problem of problems) if (!firstSeen.has(problem.key)) firstSeen.set(problem.key, now);
    const stuck = problems.filter((problem) => problem.problem !== 'hook-failed' && now - firstSeen.get(problem.key)! >= options.stallSeconds * 1000);
    if (stuck.length > 0) await stop(`the release cannot become ready: ${stuck.length} problem(s) lasted ${options.stallSeconds}s`, 'fix what each problem below says, then run up again: it continues from where the cluster is', stuck);
    const late = componentNames.filter((component) => !ready.has(component) && now - started > componentBudgets[component].seconds * 1000);
    if (late.length > 0) {
      await stop(`${late.join(', ')} not ready within the budget (${late.map((component) => `${componentBudgets[component].criterion}: ${formatDuration(componentBudgets[component].seconds * 1000)}`).join(', ')}); still waiting for ${late.flatMap((component) => pending[component]).join(', ')}`, 'see the problems below, or kubectl get pods and describe what is not ready', problems);
    }
  }
  if (finished.code !== 0) {
    const problems = await diagnose(kubectl, await observe(kubectl), jobNames);
    throw new DeployError(
      `helm upgrade --install failed: ${helmError(finished.stderr) || `exit code ${finished.code}`}`,
      problems.length > 0 ? 'fix what each problem below says, then run up again' : 'see Helm\'s message below',
      [...problemLines(problems), ...lastLines(finished.stderr, 5)],
    );
  }
  const notes = await helm.ok(['get', 'notes', options.release], 'reading the release notes', 'see Helm\'s message above');
  return { notes };
}
