import { componentNames, type ComponentName } from '../release/components.js';
import type { Helm } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { clusterChecks, loadRelease, type Check } from './verify.js';

export interface StatusReport {
  release: string;
  namespace: string;
  status: string;
  revision: number;
  /** name-version, as helm history shows it (helm status leaves the chart out). */
  chart: string;
  lastDeployed: string;
  components: { component: ComponentName; checks: Check[] }[];
  hooks: { name: string; events: string[]; phase: string }[];
}

/** The release as Helm recorded it, and its components as the cluster shows them now; runs nothing. */
export async function status(kubectl: Kubectl, helm: Helm, release: string): Promise<StatusReport> {
  const view = await loadRelease(kubectl, helm, release);
  const history = JSON.parse(
    await helm.ok(['history', release, '--max', '1', '--output', 'json'], 'reading the release history', "see Helm's message below"),
  ) as { chart: string }[];
  const components = [];
  for (const component of componentNames) components.push({ component, checks: await clusterChecks(kubectl, view, component) });
  return {
    release,
    namespace: kubectl.target.namespace,
    status: view.info.info.status,
    revision: view.info.version,
    chart: history[0]?.chart ?? '',
    lastDeployed: view.info.info.last_deployed ?? '',
    components,
    hooks: (view.info.hooks ?? []).map((hook) => ({ name: hook.name, events: hook.events, phase: hook.last_run?.phase || 'not run' })),
  };
}
