import { belongsTo, partOf, partOfObject, type ComponentName } from '../release/components.js';
import { ActionableError } from '../../common/errors.js';
import { diagnosePods } from '../release/diagnosis.js';
import type { Helm, ReleaseInfo } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { claimPrefixes, parseManifest } from '../cluster/manifest.js';
import { observe, podsOfJob, type Snapshot } from '../release/snapshot.js';
import type { K8sObject, PersistentVolumeClaim, Pod } from '../cluster/objects.js';
import { lastLines } from '../tools/process.js';
import type { Progress } from '../output/progress.js';
import { expectedObjects, pendingByComponent } from '../release/readiness.js';
import { hooksOwnedSelector } from '../../common/labels.js';
import { parseTopicsStatus, topicStateKeys } from '../../common/topic-status.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ComponentReport {
  component: ComponentName;
  ok: boolean;
  checks: Check[];
}

export interface VerifyReport {
  ok: boolean;
  release: string;
  components: ComponentReport[];
}

/** The values that turn each component's in-cluster check on. */
const testValues: Record<ComponentName, string> = {
  kafka: 'tests.kafka.enabled',
  postgresql: 'tests.postgresql.enabled',
  dapr: 'tests.dapr.enabled (and daprComponents.enabled)',
};

export interface ReleaseView {
  release: string;
  info: ReleaseInfo;
  manifest: K8sObject[];
  tests: { name: string; components: readonly ComponentName[] }[];
  snapshot: Snapshot;
  claims: PersistentVolumeClaim[];
}

/**
 * The component health checks: the release's workloads ready, its volumes bound, the Dapr control
 * plane healthy, and the chart's own helm tests (round trips from inside the cluster) passing.
 */
export async function verify(
  kubectl: Kubectl,
  helm: Helm,
  release: string,
  components: readonly ComponentName[],
  progress: Progress,
  timeoutSeconds = 600,
): Promise<VerifyReport> {
  const view = await loadRelease(kubectl, helm, release);
  const reports: ComponentReport[] = [];
  for (const component of components) {
    progress.waiting(`${component} checks`);
    const checks = [
      ...(await clusterChecks(kubectl, view, component)),
      ...(await chartTests(kubectl, helm, view, component, timeoutSeconds)),
    ];
    for (const check of checks) progress.info(`${check.ok ? 'ok  ' : 'FAIL'} ${component} ${check.name}: ${check.detail}`);
    reports.push({ component, ok: checks.every((check) => check.ok), checks });
  }
  return { ok: reports.every((report) => report.ok), release, components: reports };
}

/** The release as Helm recorded it, and what its namespace holds now. */
export async function loadRelease(kubectl: Kubectl, helm: Helm, release: string): Promise<ReleaseView> {
  const info = await helm.release(release);
  if (!info)
    throw new ActionableError(
      `release ${release} not found in namespace ${kubectl.target.namespace}`,
      'deploy it with up, or name the right one with --release and --namespace',
    );
  return {
    release,
    info,
    manifest: parseManifest(await helm.ok(['get', 'manifest', release], 'reading the release', "see Helm's message below")),
    tests: (info.hooks ?? [])
      .filter((hook) => hook.events.includes('test'))
      .map((hook) => ({
        name: hook.name,
        components: partOf(parseManifest(hook.manifest)[0] ?? { metadata: { name: hook.name } })?.components ?? [],
      })),
    snapshot: await observe(kubectl),
    claims: await kubectl.list<PersistentVolumeClaim>('persistentvolumeclaims'),
  };
}

/** What the cluster shows about a component without running anything in it. */
export async function clusterChecks(kubectl: Kubectl, view: ReleaseView, component: ComponentName): Promise<Check[]> {
  const topics = component === 'kafka' ? topicsCheck(await topicsStatusOf(kubectl, view.release)) : undefined;
  return [await workloadsReady(kubectl, view, component), volumesBound(view, component), ...(topics ? [topics] : [])];
}

/** What the topic hook recorded of its last run, from the ConfigMap it keeps (found by its labels); undefined without one. */
async function topicsStatusOf(kubectl: Kubectl, release: string): Promise<{ name: string; text: string } | undefined> {
  const maps = await kubectl.list<{ metadata: { name: string }; data?: Record<string, string> }>('configmaps', {
    selector: hooksOwnedSelector(release),
  });
  const map = maps.find((candidate) => candidate.data?.[topicStateKeys.status] !== undefined);
  return map && { name: map.metadata.name, text: map.data![topicStateKeys.status]! };
}

/**
 * The topics as the topic hook left them: failed when its last run refused a change, with each
 * refusal; keys set outside the catalogue and topics it no longer manages are named, not failed.
 * No check when the hook keeps no state (kafkaTopics.enabled false).
 */
export function topicsCheck(recorded: { name: string; text: string } | undefined): Check | undefined {
  if (!recorded) return undefined;
  const status = parseTopicsStatus(recorded.text);
  if (!status) {
    return {
      name: 'topics',
      ok: false,
      detail: `ConfigMap ${recorded.name} holds no status the topic hook wrote: run up again, and the hook writes it anew`,
    };
  }
  const refused = status.topics.filter((report) => report.outcome === 'refused');
  if (refused.length > 0) {
    return {
      name: 'topics',
      ok: false,
      detail:
        `the topic hook's run of ${status.time} refused: ` +
        refused.map((report) => `${report.topic} (${report.details.join('; ')})`).join(', ') +
        '; nothing was applied: change the values as each refusal says, then run up again',
    };
  }
  const managed = status.topics.filter((report) => report.outcome !== 'unmanaged');
  const foreign = managed.flatMap((report) =>
    Object.entries(report.foreign ?? {}).map(([key, value]) => `${report.topic} ${key}=${value}`),
  );
  const unmanaged = status.topics.filter((report) => report.outcome === 'unmanaged').map((report) => report.topic);
  return {
    name: 'topics',
    ok: true,
    detail:
      `${managed.length} catalogue topic(s) as declared (the topic hook's run of ${status.time})` +
      (foreign.length > 0 ? `; set outside the catalogue, left as they are: ${foreign.join(', ')}` : '') +
      (unmanaged.length > 0 ? `; no longer in the catalogue, left as they are: ${unmanaged.join(', ')}` : ''),
  };
}

function notReadyDetail(pods: readonly Pod[], snapshot: Snapshot): string {
  return diagnosePods(pods, snapshot.events)
    .map((problem) => `${problem.message} (fix: ${problem.fix})`)
    .join('; ');
}

async function workloadsReady(kubectl: Kubectl, view: ReleaseView, component: ComponentName): Promise<Check> {
  const expected = expectedObjects(view.manifest).filter((item) => item.component === component && item.kind !== 'Job');
  if (component === 'dapr' && expected.length === 0) {
    // dapr.enabled false: the components rely on a control plane installed apart from this release.
    const pods = await kubectl.list<Pod>('pods', { clusterWide: true, selector: 'app.kubernetes.io/part-of=dapr' });
    const unready = pods.filter(
      (pod) => !pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
    );
    if (pods.length === 0)
      return { name: 'control plane', ok: false, detail: 'no Dapr control plane in the cluster: install one, or set dapr.enabled=true' };
    return {
      name: 'control plane',
      ok: unready.length === 0,
      detail:
        unready.length === 0
          ? `${pods.length} Dapr control-plane Pod(s) ready (installed apart from this release)`
          : `not ready: ${unready.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`).join(', ')}`,
    };
  }
  if (expected.length === 0) return { name: 'workloads', ok: true, detail: `none in this release (an existing ${component} is used)` };
  const pending = pendingByComponent(expected, view.snapshot)[component];
  if (pending.length === 0) return { name: 'workloads', ok: true, detail: `${expected.map((item) => item.title).join(', ')} ready` };
  const pods = view.snapshot.pods.filter((pod) => belongsTo(view.release)(pod) && partOf(pod)?.components.includes(component));
  return {
    name: 'workloads',
    ok: false,
    detail: `not ready: ${pending.join(', ')}${pods.length ? `. ${notReadyDetail(pods, view.snapshot)}` : ''}`,
  };
}

/** The claims of the component's StatefulSets (<template>-<statefulset>-<ordinal>), one per replica, all bound. */
function volumesBound(view: ReleaseView, component: ComponentName): Check {
  const sets = view.manifest.filter((object) => object.kind === 'StatefulSet' && partOfObject(object)?.components.includes(component));
  const expected = claimPrefixes(sets);
  if (expected.length === 0) return { name: 'volumes', ok: true, detail: 'none in this release' };
  const wanted = expected.reduce((sum, item) => sum + item.replicas, 0);
  const claims = view.claims.filter((claim) => expected.some((item) => claim.metadata.name.startsWith(item.prefix)));
  const unbound = claims.filter((claim) => claim.status?.phase !== 'Bound');
  if (claims.length < wanted) return { name: 'volumes', ok: false, detail: `${claims.length} of ${wanted} PersistentVolumeClaims created` };
  return {
    name: 'volumes',
    ok: unbound.length === 0,
    detail:
      unbound.length === 0
        ? `${claims.length} bound`
        : `not bound: ${unbound.map((claim) => `${claim.metadata.name} (${claim.status?.phase ?? 'unknown'})`).join(', ')}; ` +
          'kubectl describe pvc says why',
  };
}

async function chartTests(
  kubectl: Kubectl,
  helm: Helm,
  view: ReleaseView,
  component: ComponentName,
  timeoutSeconds: number,
): Promise<Check[]> {
  const tests = view.tests.filter((test) => test.components.includes(component));
  if (tests.length === 0)
    return [{ name: 'helm test', ok: false, detail: `the release has no ${component} check: set ${testValues[component]}=true` }];
  const checks: Check[] = [];
  for (const test of tests) {
    const result = await helm.run(['test', view.release, '--filter', `name=${test.name}`, '--timeout', `${timeoutSeconds}s`]);
    if (result.code === 0) {
      checks.push({ name: `helm test ${test.name}`, ok: true, detail: 'passed' });
      continue;
    }
    // The check's own message: its last log lines, kept as the termination message of its Pod.
    const pods = await kubectl.list<Pod>('pods', { selector: `app.kubernetes.io/instance=${view.release}` });
    const said = [...pods.filter((pod) => pod.metadata.name === test.name), ...podsOfJob(test.name, pods)]
      .flatMap((pod) => pod.status?.containerStatuses ?? [])
      .map((status) => status.state?.terminated?.message?.trim())
      .filter(Boolean);
    checks.push({ name: `helm test ${test.name}`, ok: false, detail: [...lastLines(result.stderr, 2), ...said].join(' | ') });
  }
  return checks;
}
