// Benchmark: the release on the real node (scripts/harness/node.sh), in one run: `up` to verified, per
// phase; each hook Job from its creation to its completion, split into its Pod's start and the
// program's own run; a no-op `helm upgrade` with the hooks beside the same with --no-hooks; and
// the size of the release record Helm stores, read from the API server. Then Argo CD beside the
// node: its first sync of the shipped git Application (a fork of this checkout) into a namespace of
// its own, and no-op syncs beside the no-op `helm upgrade` above.
//
//   npm run bench        (as root, after scripts/install-tools.sh and `source scripts/env.sh`)
import { gunzipSync } from 'node:zlib';
import { imageValues, parseImageReference } from '../deploy/tools/image.js';
import { ArgoCd, argoCdReleaseValues, ChartFork } from '../test/support/argocd.js';
import { chartCopy, daprChartsDir } from '../test/support/chart.js';
import { runDeploy } from '../test/support/cli.js';
import { ExistingServices, RealNode } from '../test/support/node.js';
import { median, printComparison, timed } from './measure.js';

const namespace = 'learnflow';
const repetitions = 3;

interface Timestamped {
  metadata: { name: string; creationTimestamp: string; annotations?: Record<string, string> };
}
interface HookJob extends Timestamped {
  status: { completionTime?: string };
}
interface HookPod extends Timestamped {
  status: { containerStatuses?: { state: { terminated?: { startedAt: string; finishedAt: string } } }[] };
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

async function hookTimes(node: RealNode, run: string): Promise<void> {
  const jobs = await node.cluster.kubectlJson<{ items: HookJob[] }>(['get', 'jobs', '--namespace', namespace]);
  console.log(`\nhook Jobs of ${run}: creation to completion, split into its parts`);
  const columns = ['total', 'Job to Pod', 'Pod start', 'program', 'exit to done', 'its startup', 'its work'];
  console.log(`${'job'.padEnd(32)}${columns.map((column) => column.padStart(13)).join('')}`);
  for (const job of jobs.items.filter((item) => item.metadata.annotations?.['helm.sh/hook'] && item.status.completionTime)) {
    const pods = await node.cluster.kubectlJson<{ items: HookPod[] }>([
      'get',
      'pods',
      '--namespace',
      namespace,
      '--selector',
      `job-name=${job.metadata.name}`,
    ]);
    const pod = pods.items.at(-1);
    const exited = pod?.status.containerStatuses?.[0]?.state.terminated;
    if (!pod || !exited) continue;
    const done = job.status.completionTime!;
    const cells = [
      seconds(job.metadata.creationTimestamp, done),
      seconds(job.metadata.creationTimestamp, pod.metadata.creationTimestamp),
      seconds(pod.metadata.creationTimestamp, exited.startedAt),
      seconds(exited.startedAt, exited.finishedAt),
      seconds(exited.finishedAt, done),
    ].map((value) => `${value.toFixed(1)} s`);
    const timing = await programTiming(node, pod.metadata.name);
    if (timing) cells.push(`${(timing.startupMs / 1000).toFixed(2)} s`, `${((timing.elapsedMs - timing.startupMs) / 1000).toFixed(2)} s`);
    console.log(`${job.metadata.name.padEnd(32)}${cells.map((cell) => cell.padStart(13)).join('')}`);
  }
  console.log('(Kubernetes records its times to the second; the program logs its startup and work to the millisecond)');
}

/** The startup and total time the reconcile program logs in its last line, if it does. */
async function programTiming(node: RealNode, pod: string): Promise<{ startupMs: number; elapsedMs: number } | undefined> {
  const logs = await node.cluster.kubectl(['logs', pod, '--namespace', namespace]);
  const last = logs.stdout.trim().split('\n').at(-1) ?? '';
  try {
    const line = JSON.parse(last) as { startupMs?: number; elapsedMs?: number };
    return line.startupMs !== undefined && line.elapsedMs !== undefined
      ? { startupMs: line.startupMs, elapsedMs: line.elapsedMs }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Times no-op upgrades with and without hooks, and prints them; the times with hooks. */
async function noOpUpgrades(node: RealNode, chart: string, values: readonly string[]): Promise<number[]> {
  const upgrade = (extra: string[]) => async () => {
    const result = await node.cluster.helm([
      'upgrade',
      'learnflow',
      chart,
      '--namespace',
      namespace,
      '--wait',
      '--timeout',
      '10m',
      ...values,
      ...extra,
    ]);
    if (result.code !== 0) throw new Error(`helm upgrade failed:\n${result.stderr}`);
  };
  const runs = async (extra: string[]) => {
    const times: number[] = [];
    for (let index = 0; index < repetitions; index++) times.push(await timed(upgrade(extra)));
    return times;
  };
  const without = await runs(['--no-hooks']);
  // The hooks' CPU limit before this chart's (half a core), beside the chart's own.
  const halfCore = await runs(['--set', 'hooks.resources.limits.cpu=500m']);
  const withHooks = await runs([]);
  printComparison(
    `no-op helm upgrade on the real node (${repetitions} runs each)`,
    ['first', 'median'],
    [
      { label: 'helm upgrade --no-hooks', values: [without[0]!, median(without)] },
      { label: 'helm upgrade (its hooks: the reconcile Job)', values: [withHooks[0]!, median(withHooks)] },
    ],
    'with hooks / without',
  );
  const added = (times: number[]) => `${(median(times) - median(without)).toFixed(2)} s`;
  console.log(`the hooks add ${added(withHooks)} to a no-op upgrade (median); ${added(halfCore)} with the former CPU limit of 500m`);
  return withHooks;
}

/** Argo CD's first sync of the git Application, then no-op syncs beside `helmUpgrades` (no-op, with hooks). */
async function argoCdSyncs(node: RealNode, helmUpgrades: readonly number[]): Promise<void> {
  const target = `${namespace}-argocd`;
  const application = 'learnflow-infra';
  const services = await ExistingServices.start(node, target, { kafkaMode: 'kraft' });
  const fork = await ChartFork.create(argoCdReleaseValues(node, services));
  try {
    const argocd = await ArgoCd.start(node);
    const revision = await fork.head();
    const first = await timed(async () => {
      await argocd.apply(
        await ArgoCd.shippedApplication('argocd/application-git.yaml', { repoURL: fork.url, targetRevision: 'main', namespace: target }),
      );
      await argocd.untilSynced(application, revision);
    });
    const noOps: number[] = [];
    for (let index = 0; index < repetitions; index++) {
      await argocd.refresh(application, 'hard');
      const started = Date.now();
      noOps.push(
        await timed(async () => {
          await argocd.sync(application, revision);
          await argocd.untilSynced(application, revision, { after: started });
        }),
      );
    }
    printComparison(
      `no-op syncs on the real node (${repetitions} runs each)`,
      ['first', 'median'],
      [
        { label: 'helm upgrade (its hooks: the reconcile Job)', values: [helmUpgrades[0]!, median(helmUpgrades)] },
        { label: 'Argo CD sync by hand (credentials, reconcile, the checks)', values: [noOps[0]!, median(noOps)] },
      ],
      'Argo CD / helm upgrade',
    );
    console.log(`Argo CD's first sync of the git Application, to Synced and Healthy with its checks: ${first.toFixed(1)} s`);
    await node.cluster.kubectl(['delete', 'application', application, '--namespace', 'argocd', '--timeout=300s']);
  } finally {
    await Promise.allSettled([services.delete(), fork.remove()]);
  }
}

async function releaseRecord(node: RealNode): Promise<void> {
  const secrets = await node.cluster.kubectlJson<{ items: { metadata: { labels: Record<string, string> }; data: { release: string } }[] }>([
    'get',
    'secrets',
    '--namespace',
    namespace,
    '--selector',
    'owner=helm,name=learnflow',
  ]);
  const latest = secrets.items.sort((a, b) => Number(a.metadata.labels['version']) - Number(b.metadata.labels['version'])).at(-1)!;
  const stored = Buffer.from(latest.data.release, 'base64');
  const json = gunzipSync(Buffer.from(stored.toString(), 'base64'));
  console.log(
    `\nrelease record (Secret of revision ${latest.metadata.labels['version']}): ` +
      `${(stored.length / 1024).toFixed(1)} KiB stored (limit 1024 KiB), ${(json.length / 1024).toFixed(1)} KiB uncompressed`,
  );
}

const node = await RealNode.start();
try {
  const [services, chart] = await Promise.all([
    ExistingServices.start(node, namespace, { kafkaMode: 'zookeeper' }),
    chartCopy({ subcharts: daprChartsDir() }),
  ]);
  try {
    // What up sets for --image, so that the upgrades below change nothing.
    const image = imageValues(parseImageReference(node.hooksImage));
    const up = await runDeploy(
      ['up', '--chart', chart, '--namespace', namespace, '--image', node.hooksImage, '--output', 'json', ...services.values],
      node.cluster.kubeconfig,
    );
    if (up.code !== 0) throw new Error(`up failed:\n${up.stdout}\n${up.stderr}`);
    const report = up.events.find((event) => event.event === 'result') as unknown as { timings: { name: string; ms: number }[] };
    console.log('\nup on the real node, to verified');
    for (const timing of report.timings) console.log(`${timing.name.padEnd(36)}${`${(timing.ms / 1000).toFixed(1)} s`.padStart(9)}`);
    await hookTimes(node, 'the install');
    const helmUpgrades = await noOpUpgrades(node, chart, [...services.values, ...image]);
    await hookTimes(node, 'the last no-op upgrade');
    await releaseRecord(node);
    await argoCdSyncs(node, helmUpgrades);
  } finally {
    await services.delete();
  }
} finally {
  await node.stop();
}
