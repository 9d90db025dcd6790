import { setTimeout as sleep } from 'node:timers/promises';
import { componentBudgets, type Timing } from '../output/budgets.js';
import { belongsTo, componentNames, type ComponentName } from '../release/components.js';
import { ActionableError } from '../../common/errors.js';
import type { Diagnosis } from '../release/diagnosis.js';
import type { Helm } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { diagnose } from '../release/diagnosis.js';
import { observe, podsInPlay, type Snapshot } from '../release/snapshot.js';
import type { Job, K8sObject } from '../cluster/objects.js';
import { helmError, lastLines, type Finished } from '../tools/process.js';
import { formatDuration, type Progress } from '../output/progress.js';
import { expectedObjects, pendingByComponent, type Expected } from '../release/readiness.js';

export interface InstallOptions {
  release: string;
  chart: string;
  valueArgs: string[];
  /** The chart's CRDs are in the cluster already (see crdsToSkip). */
  skipCrds: boolean;
  timeoutSeconds: number;
  stallSeconds: number;
  pollSeconds: number;
}

/** A poll of the cluster may fail now and then (an API server restarting); this many in a row end the install. */
const toleratedPollFailures = 5;

function problemLines(problems: readonly Diagnosis[]): string[] {
  return problems.flatMap((problem) => [problem.message, `  fix: ${problem.fix}`, ...problem.details.map((detail) => `  | ${detail}`)]);
}

/** What one look at the cluster shows: the release's problems, and what each component still waits for. */
interface Look {
  problems: Diagnosis[];
  pending: Record<ComponentName, string[]>;
}

/**
 * The release's own objects in the namespace. Jobs that were there before this run (`earlier`,
 * by uid) are an earlier run's, which Helm replaces: neither they nor their Pods are waited for or diagnosed.
 */
class ReleaseWatch {
  readonly expected: Expected[];
  private readonly started = Date.now();
  private readonly jobNames: Set<string>;
  private readonly ours: ReturnType<typeof belongsTo>;

  constructor(
    private readonly kubectl: Kubectl,
    release: string,
    rendered: readonly K8sObject[],
    private readonly earlier: ReadonlySet<string>,
  ) {
    this.expected = expectedObjects(rendered);
    this.jobNames = new Set(rendered.filter((object) => object.kind === 'Job').map((object) => object.metadata.name));
    this.ours = belongsTo(release);
  }

  static async start(kubectl: Kubectl, release: string, rendered: readonly K8sObject[]): Promise<ReleaseWatch> {
    const before = await observe(kubectl);
    return new ReleaseWatch(kubectl, release, rendered, new Set(before.jobs.map((job) => job.metadata.uid ?? '')));
  }

  private current(snapshot: Snapshot): Snapshot {
    const fresh = (job: Snapshot['jobs'][number]) => this.jobNames.has(job.metadata.name) && !this.earlier.has(job.metadata.uid ?? '');
    // A refusal reported before this run is an earlier run's; the controller reports it again if it lasts.
    const recent = (event: Snapshot['events'][number]) => Date.parse(event.lastTimestamp ?? event.eventTime ?? '') >= this.started - 1000;
    const jobs = snapshot.jobs.filter(fresh);
    return {
      ...snapshot,
      pods: podsInPlay(snapshot.pods.filter(this.ours), jobs),
      jobs,
      replicaSets: snapshot.replicaSets.filter(this.ours),
      events: snapshot.events.filter((event) => event.reason !== 'FailedCreate' || recent(event)),
    };
  }

  private readonly logs = new Map<string, Promise<string[]>>();

  /** A failed Job's log is read once. */
  private logsOf(job: Job): Promise<string[]> {
    const key = job.metadata.uid ?? job.metadata.name;
    if (!this.logs.has(key)) this.logs.set(key, this.kubectl.jobLogs(job.metadata.name));
    return this.logs.get(key)!;
  }

  async look(): Promise<Look> {
    const snapshot = this.current(await observe(this.kubectl));
    return {
      problems: await diagnose(snapshot, (job) => this.logsOf(job)),
      pending: pendingByComponent(this.expected, snapshot, this.earlier),
    };
  }

  /** Components the release deploys something for (a disabled one gets no timing). */
  components(): ComponentName[] {
    return componentNames.filter((component) => this.expected.some((item) => item.component === component));
  }
}

/**
 * helm upgrade --install --wait, watched: each component's readiness is timed against its budget,
 * problems are reported as they appear, and a problem that waiting will not fix (unschedulable,
 * image not pullable, crash loop) stops the install after --stall-seconds with its explanation
 * instead of a timeout. Helm is never left running: stopping or failing cancels it (SIGTERM,
 * which Helm records as a failed release that the next up upgrades).
 */
export async function installRelease(
  kubectl: Kubectl,
  helm: Helm,
  options: InstallOptions,
  rendered: readonly K8sObject[],
  progress: Progress,
  timings: Timing[],
): Promise<void> {
  const watch = await ReleaseWatch.start(kubectl, options.release, rendered);
  const started = Date.now();
  const abort = new AbortController();
  let finished: Finished | undefined;
  const helmRun = helm
    .run(
      [
        'upgrade',
        options.release,
        options.chart,
        '--install',
        '--create-namespace',
        '--reset-values',
        '--wait',
        '--timeout',
        `${options.timeoutSeconds}s`,
        ...(options.skipCrds ? ['--skip-crds'] : []),
        ...options.valueArgs,
      ],
      abort.signal,
    )
    .then((result) => (finished = result));
  try {
    await watchUntilDone(watch, options, progress, timings, started, () => finished);
  } finally {
    if (!finished) {
      abort.abort();
      await helmRun;
    }
  }
  if (finished && finished.code !== 0) {
    const { problems } = await watch.look();
    throw new ActionableError(
      `helm upgrade --install failed: ${helmError(finished.stderr) || `exit code ${finished.code}`}`,
      problems.length > 0 ? 'fix what each problem below says, then run up again' : "see Helm's message below",
      [...problemLines(problems), ...lastLines(finished.stderr, 5)],
    );
  }
}

async function watchUntilDone(
  watch: ReleaseWatch,
  options: InstallOptions,
  progress: Progress,
  timings: Timing[],
  started: number,
  finished: () => Finished | undefined,
): Promise<void> {
  const firstSeen = new Map<string, number>();
  const waiting = new Set(watch.components());
  let failedPolls = 0;
  while (!finished()) {
    await sleep(options.pollSeconds * 1000);
    let look: Look;
    try {
      look = await watch.look();
      failedPolls = 0;
    } catch (error) {
      if (!(error instanceof ActionableError) || ++failedPolls >= toleratedPollFailures) throw error;
      progress.info(`could not look at the cluster (${error.message}); trying again`);
      continue;
    }
    look.problems.forEach((problem) => progress.problem(problem));
    const now = Date.now();
    for (const component of [...waiting].filter((name) => look.pending[name].length === 0)) {
      waiting.delete(component);
      const budget = componentBudgets[component];
      timings.push({ name: component, ms: now - started, budgetSeconds: budget.seconds, criterion: budget.criterion });
      progress.info(
        `${component} ready after ${formatDuration(now - started)} (budget ${formatDuration(budget.seconds * 1000)}, ${budget.criterion})`,
      );
    }
    if (finished()) return;
    progress.waiting([...waiting].flatMap((component) => look.pending[component]).join(', ') || 'helm');

    for (const key of firstSeen.keys()) if (!look.problems.some((problem) => problem.key === key)) firstSeen.delete(key);
    for (const problem of look.problems) if (!firstSeen.has(problem.key)) firstSeen.set(problem.key, now);
    const stuck = look.problems.filter(
      (problem) => problem.problem !== 'hook-failed' && now - (firstSeen.get(problem.key) ?? now) >= options.stallSeconds * 1000,
    );
    if (stuck.length > 0) {
      throw new ActionableError(
        `the release cannot become ready: ${stuck.length} problem(s) lasted ${options.stallSeconds}s`,
        'fix what each problem below says, then run up again: it continues from where the cluster is',
        problemLines(stuck),
      );
    }
    const late = [...waiting].filter((component) => now - started > componentBudgets[component].seconds * 1000);
    if (late.length > 0) {
      const budgets = late
        .map((component) => `${componentBudgets[component].criterion}: ${formatDuration(componentBudgets[component].seconds * 1000)}`)
        .join(', ');
      throw new ActionableError(
        `${late.join(', ')} not ready within the budget (${budgets}); still waiting for ` +
          `${late.flatMap((component) => look.pending[component]).join(', ')}`,
        'see the problems below, or kubectl get pods and kubectl describe what is not ready',
        problemLines(look.problems),
      );
    }
  }
}
