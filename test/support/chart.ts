import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from './paths.js';
import { run, runOk, type Finished } from './process.js';

/** A rendered Kubernetes object, loosely typed: tests look into it by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * The dependency charts: a folder of unpacked charts named by LEARNFLOW_SUBCHARTS_DIR, charts/
 * after `helm dependency build`, or the Bitnami charts of ../shared/subcharts with the dapr chart
 * of the cache (see docs/testing.md). A test that needs them fails, naming the three, when none is
 * there: a skipped test would pass CI without its proof.
 */
export function subchartsDir(): string {
  const named = process.env['LEARNFLOW_SUBCHARTS_DIR'];
  if (named) return named;
  const built = join(repoRoot, 'charts');
  if (existsSync(built) && readdirSync(built).some((file) => file.startsWith('kafka-') && file.endsWith('.tgz'))) return built;
  const shared = join(repoRoot, '..', 'shared', 'subcharts');
  if (!existsSync(join(shared, 'kafka', 'Chart.yaml')))
    throw new Error(
      `the dependency charts are missing: put the Bitnami charts in ${shared} (kafka/, postgresql/), ` +
        'set LEARNFLOW_SUBCHARTS_DIR to a folder of unpacked charts, or run helm dependency build',
    );
  sharedWithDapr ??= (() => {
    const dir = mkdtempSync(join(tmpdir(), 'learnflow-subcharts-'));
    for (const chart of ['kafka', 'postgresql']) symlinkSync(join(shared, chart), join(dir, chart));
    symlinkSync(join(daprChartsDir(), 'dapr'), join(dir, 'dapr'));
    return dir;
  })();
  return sharedWithDapr;
}

let sharedWithDapr: string | undefined;

/**
 * The chart as Helm sees it: the repository's own files behind symlinks, with `subcharts` (a
 * folder of dependency charts) as charts/, and Chart.yaml declaring only the dependencies that
 * folder holds (Helm refuses to render a chart whose declared dependencies are missing). Without
 * `subcharts`, the chart's own templates alone.
 */
export async function chartCopy(options: { subcharts?: string } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'learnflow-chart-'));
  const skip = new Set(['Chart.yaml', 'charts', '.git', 'node_modules', '.build']);
  for (const entry of await readdir(repoRoot)) {
    if (!skip.has(entry)) await symlink(join(repoRoot, entry), join(dir, entry));
  }
  const chart = parse(await readFile(join(repoRoot, 'Chart.yaml'), 'utf8')) as { dependencies?: { name: string }[] };
  // Archives from `helm dependency build` are named <chart>-<version>.tgz, unpacked charts <chart>/.
  const present = new Set(
    options.subcharts ? (await readdir(options.subcharts)).map((entry) => entry.replace(/-\d[\w.+-]*\.tgz$/, '')) : [],
  );
  chart.dependencies = (chart.dependencies ?? []).filter((dependency) => present.has(dependency.name));
  await writeFile(join(dir, 'Chart.yaml'), stringify(chart));
  if (options.subcharts) await symlink(options.subcharts, join(dir, 'charts'));
  return dir;
}

let ownChart: Promise<string> | undefined;
/** One dependency-free copy per test worker. */
export function ownChartDir(): Promise<string> {
  ownChart ??= chartCopy();
  return ownChart;
}

/** `values` with `changes` laid over them as Helm lays a later values file over an earlier one: maps merge, anything else is replaced. */
export function mergeValues(values: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  const merged = { ...values };
  for (const [key, change] of Object.entries(changes)) {
    const current = merged[key];
    merged[key] = isMap(current) && isMap(change) ? mergeValues(current, change) : change;
  }
  return merged;
}

export function helm(args: readonly string[]): Promise<Finished> {
  return run('helm', args);
}

/** The default render's (release and namespace learnflow) addresses of Kafka and PostgreSQL, which the tests point at their own servers. */
export const inClusterKafka = 'learnflow-kafka.learnflow.svc.cluster.local:9092';
export const inClusterPostgresql = "host='learnflow-postgresql.learnflow.svc.cluster.local' port='5432'";

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** Values files, relative to the repository (profiles/kraft.yaml). */
  valuesFiles?: readonly string[];
  /** Values as they are, in a file of their own after valuesFiles: strings reach Helm unparsed, unlike --set. */
  values?: object;
  /** --set arguments. */
  set?: readonly string[];
  /** Renders what values.schema.json would refuse, to see what the templates alone make of it. */
  skipSchemaValidation?: boolean;
  chart?: string;
}

async function templateArgs(options: RenderOptions, chart: string): Promise<string[]> {
  const values = options.values ? [await valuesFile(options.values)] : [];
  return [
    'template',
    options.release ?? 'learnflow',
    chart,
    '--namespace',
    options.namespace ?? 'learnflow',
    ...[...(options.valuesFiles ?? []).map((file) => join(repoRoot, file)), ...values].flatMap((file) => ['-f', file]),
    ...(options.set ?? []).flatMap((value) => ['--set', value]),
    ...(options.skipSchemaValidation ? ['--skip-schema-validation'] : []),
  ];
}

async function valuesFile(values: object): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'learnflow-values-')), 'values.yaml');
  await writeFile(file, stringify(values));
  return file;
}

/** `helm template` output, as YAML text; fails with Helm's message when rendering fails. */
export async function renderText(options: RenderOptions = {}): Promise<string> {
  const chart = options.chart ?? (await ownChartDir());
  return (await runOk('helm', await templateArgs(options, chart))).stdout;
}

/** `helm template` output, parsed. */
export async function render(options: RenderOptions = {}): Promise<K8sObject[]> {
  return parseObjects(await renderText(options));
}

/** What Helm says when rendering fails (the test expects it to). */
export async function renderError(options: RenderOptions): Promise<string> {
  const result = await helm(await templateArgs(options, options.chart ?? (await ownChartDir())));
  if (result.code === 0) throw new Error(`helm template succeeded, but a failure was expected (${JSON.stringify(options)})`);
  return result.stderr;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** The chart's values.yaml, parsed: tests read the catalogue from it rather than repeating it. */
export async function chartValues(): Promise<ChartValues> {
  return parse(await readFile(join(repoRoot, 'values.yaml'), 'utf8')) as ChartValues;
}

export interface ChartValues {
  hooks: { podSecurityContext: { runAsUser: number; runAsGroup: number }; activeDeadlineSeconds: number };
  kafkaTopics: {
    replicationFactor: number;
    topics: Record<string, { partitions: number; replicationFactor?: number; config?: Record<string, string> }>;
  };
  [section: string]: unknown;
}

/** The dapr chart, from the Dapr Go module (scripts/install-tools.sh); always available, unlike the Bitnami charts. */
export function daprChartsDir(): string {
  const dir = process.env['LEARNFLOW_DAPR_CHARTS'];
  if (!dir || !existsSync(join(dir, '.complete')))
    throw new Error('the dapr chart is missing: run scripts/install-tools.sh and source scripts/env.sh');
  return dir;
}
