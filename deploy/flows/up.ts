import { upBudget, type Timing } from '../output/budgets.js';
import { componentNames } from '../release/components.js';
import { hooksImageOf } from '../release/images.js';
import type { K8sObject } from '../cluster/objects.js';
import { volumeSizePins } from '../release/volumes.js';
import { ActionableError } from '../../common/errors.js';
import { Helm } from '../tools/helm.js';
import { buildAndLoad, imageValues, localClusterOf, type ImageReference } from '../tools/image.js';
import { installRelease } from './install.js';
import { createKindCluster } from '../tools/kind.js';
import { Kubectl, type Target } from '../tools/kubectl.js';
import { chartRoot } from '../paths.js';
import { checkDaprKept, checkFit, checkPrerequisites, checkPullSecrets, crdsToSkip, prepareChart } from './preflight.js';
import type { Progress } from '../output/progress.js';
import { verify, type VerifyReport } from './verify.js';

export interface UpOptions {
  release: string;
  namespace: string;
  context?: string | undefined;
  chart: string;
  /** -f files and --set values, passed to Helm as given. */
  valueArgs: string[];
  image?: ImageReference | undefined;
  createKindCluster?: string | undefined;
  /** How long a problem that stops progress (unschedulable, image pull, crash loop) may last before up gives up. */
  stallSeconds: number;
  pollSeconds: number;
  skipCapacityCheck: boolean;
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

  const kindCluster = options.createKindCluster;
  const contextName = kindCluster ? await timed('kind cluster', () => createKindCluster(kindCluster, progress)) : options.context;
  const target: Target = { context: contextName, namespace: options.namespace };
  const kubectl = new Kubectl(target);
  const helm = new Helm(target);

  const image = options.image ? imageValues(options.image) : [];
  const context = await timed('prerequisites', () => checkPrerequisites(kubectl, helm, { ...options, context: contextName }, progress));
  const { rendered, valueArgs } = await timed('chart', async () => {
    // A kind cluster made here is for development: its release seeds the test users, unless the values say otherwise.
    const development = kindCluster ? ['--set', 'postgresqlSchema.testUsers.enabled=true'] : [];
    const chosen = await keepVolumeSizes(kubectl, helm, options, [...development, ...options.valueArgs, ...image], progress);
    await checkFit(kubectl, options, chosen.rendered, progress);
    await checkDaprKept(helm, options.release, chosen.rendered);
    await checkPullSecrets(kubectl, chosen.rendered, progress);
    return chosen;
  });
  await timed('image', () => prepareImage(options, context, rendered, progress));
  const timeoutSeconds = Math.max(60, upBudget.seconds - Math.round((Date.now() - started) / 1000));
  const skipCrds = await crdsToSkip(kubectl, rendered);
  if (skipCrds) progress.info("Dapr's CRDs are in the cluster already: left as they are (helm --skip-crds)");
  await timed('install', () =>
    installRelease(kubectl, helm, { ...options, valueArgs, skipCrds, timeoutSeconds }, rendered, progress, timings),
  );
  const verification = await timed('verify', () => verify(kubectl, helm, options.release, [...componentNames], progress));
  timings.push({ name: 'total', ms: Date.now() - started, budgetSeconds: upBudget.seconds, criterion: upBudget.criterion });
  const notes = await helm.ok(['get', 'notes', options.release], 'reading the release notes', "see Helm's message below");
  progress.stop();
  return { ok: verification.ok, timings, verification, notes };
}

/**
 * The chart rendered with the values given, plus those that keep each existing StatefulSet's
 * volumes at their size: an upgrade cannot change it (release/volumes.ts), and a chart whose
 * default shrank (ZooKeeper's, in 0.2.0) must not fail the upgrade of a release made before.
 */
async function keepVolumeSizes(
  kubectl: Kubectl,
  helm: Helm,
  options: UpOptions,
  valueArgs: string[],
  progress: Progress,
): Promise<{ rendered: K8sObject[]; valueArgs: string[] }> {
  const rendered = await prepareChart(helm, options, valueArgs, progress);
  const existing = await kubectl.listIfAllowed<K8sObject>('statefulsets');
  if (!existing) progress.info("cannot list the namespace's StatefulSets (RBAC): volume sizes are not checked against the cluster's");
  const pins = volumeSizePins(rendered, existing ?? []);
  if (pins.unpinnable.length > 0) {
    throw new ActionableError(
      `the values change the size of volumes that exist: ${pins.unpinnable.join('; ')}`,
      "a StatefulSet's volume size cannot change: keep the size in the values, or resize the claims (docs/upgrade.md#volume-sizes)",
    );
  }
  if (pins.set.length === 0) return { rendered, valueArgs };
  for (const line of pins.kept) progress.info(`${line}: a StatefulSet's volume size cannot change (docs/upgrade.md#volume-sizes)`);
  const pinned = [...valueArgs, ...pins.set];
  return { rendered: await prepareChart(helm, options, pinned, progress), valueArgs: pinned };
}

async function prepareImage(options: UpOptions, context: string, rendered: readonly K8sObject[], progress: Progress): Promise<void> {
  if (options.image) {
    progress.info(`hooks image: ${options.image.reference} (pulled by the cluster)`);
    return;
  }
  // The image the rendered release runs, whatever the values name, so that no value needs to change.
  const image = hooksImageOf(rendered);
  if (!image) return;
  const local = localClusterOf(context)!; // checkPrerequisites made sure it is one
  progress.waiting(`docker build and ${local.tool} load of ${image}`);
  await buildAndLoad(chartRoot, image, local);
}
