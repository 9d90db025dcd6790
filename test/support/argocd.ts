import { cp, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { chartCopy, helm, mergeValues, subchartsDir, type K8sObject } from './chart.js';
import { parseImageReference } from '../../deploy/tools/image.js';
import type { ExistingServices, RealNode } from './node.js';
import { repoRoot } from './paths.js';
import { runOk } from './process.js';
import { NotYet, until } from './wait.js';

// Argo CD beside the real node (node.sh argocd): its application controller and repo server sync
// the chart's shipped Applications, pointed at a fork of this repository on this machine.

/** The values file of the operator's own in the fork, listed after the shipped profile. */
export const ownValuesFile = 'values-own.yaml';

/** What the tests read of an Application: its sync options, the operation asked for, and its status. */
interface Application extends K8sObject {
  spec: { syncPolicy?: { syncOptions?: string[] } };
  operation?: unknown;
  status?: ApplicationStatus & { resources?: { group?: string; kind: string; namespace?: string; name: string; hook?: boolean }[] };
}

/** What the tests read of an Application's status. */
export interface ApplicationStatus {
  sync: { status: string; revision?: string };
  health: { status: string };
  operationState?: {
    phase: string;
    startedAt?: string;
    message?: string;
    syncResult?: {
      revision: string;
      resources?: { kind: string; name: string; hookPhase?: string; hookType?: string; status?: string; message?: string }[];
    };
  };
  conditions?: { type: string; message: string }[];
}

/**
 * The operator's own values of a release Argo CD syncs on the node: Kafka and PostgreSQL as
 * `services`, Dapr's control plane another release's, and the hooks image built for the node.
 */
export function argoCdReleaseValues(node: RealNode, services: ExistingServices): Record<string, unknown> {
  const image = parseImageReference(node.hooksImage);
  return {
    ...services.chartValues,
    dapr: { enabled: false },
    hooks: { image: { registry: image.registry, repository: image.repository, tag: image.tag } },
  };
}

/**
 * A fork of this repository as an operator keeps one for Argo CD: a bare repository on this
 * machine (file://, as Argo CD's own end-to-end tests use), its branch main holding the files of
 * this checkout (uncommitted changes too), the dependency charts in charts/ (Argo CD then renders
 * without `helm dependency build`, which would need the charts' registries), and ownValuesFile.
 */
export class ChartFork {
  private constructor(
    /** Where Argo CD clones it from. */
    readonly url: string,
    private readonly workTree: string,
    /** The folder of both the bare repository and the work tree. */
    private readonly root: string,
  ) {}

  static async create(ownValues: object): Promise<ChartFork> {
    const root = await mkdtemp(join(tmpdir(), 'learnflow-fork-'));
    const bare = join(root, 'fork.git');
    const workTree = join(root, 'work');
    await runOk('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    const listed = await runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot });
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      await mkdir(dirname(join(workTree, file)), { recursive: true });
      // A file deleted in this checkout but not yet in git is left out, as a commit would.
      await cp(join(repoRoot, file), join(workTree, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    for (const chart of ['kafka', 'postgresql', 'dapr']) {
      await cp(await realpath(join(subchartsDir(), chart)), join(workTree, 'charts', chart), { recursive: true, dereference: true });
    }
    const fork = new ChartFork(`file://${bare}`, workTree, root);
    await fork.git('init', '--quiet', '--initial-branch=main');
    await fork.git('remote', 'add', 'origin', bare);
    await fork.commit('the chart, its dependency charts and our values', () =>
      writeFile(join(workTree, ownValuesFile), stringify(ownValues)),
    );
    return fork;
  }

  /** The id of main's last commit. */
  async head(): Promise<string> {
    return (await this.git('rev-parse', 'HEAD')).trim();
  }

  /** Commits what `change` does to the work tree and pushes it to main; the new commit's id. */
  async commit(message: string, change: (workTree: string) => Promise<void>): Promise<string> {
    await change(this.workTree);
    // charts/ is ignored in this repository (archives from `helm dependency build`): added by force.
    await this.git('add', '--all', '--force', '.');
    await this.git('-c', 'user.name=LearnFlow tests', '-c', 'user.email=tests@learnflow.invalid', 'commit', '--quiet', '-m', message);
    await this.git('push', '--quiet', 'origin', 'main');
    return this.head();
  }

  /** Removes the repository and its work tree. */
  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  private async git(...args: string[]): Promise<string> {
    return (await runOk('git', args, { cwd: this.workTree })).stdout;
  }
}

/** Argo CD on the node: Applications in its namespace, argocd. */
export class ArgoCd {
  private constructor(private readonly node: RealNode) {}

  static async start(node: RealNode): Promise<ArgoCd> {
    await node.startArgoCd();
    return new ArgoCd(node);
  }

  /**
   * A shipped Application (argocd/), changed only in where it points: its source at `repoURL`
   * and `targetRevision`, its destination namespace, and the operator's own values: for a git
   * source the fork's ownValuesFile after the shipped profile, for a chart from a registry
   * `ownValues` beside the shipped inline values.
   */
  static async shippedApplication(
    file: string,
    where: { repoURL: string; targetRevision: string; namespace: string },
    ownValues: Record<string, unknown> = {},
  ): Promise<K8sObject> {
    const application = parse(await readFile(join(repoRoot, file), 'utf8')) as K8sObject & {
      spec: {
        source: { repoURL: string; targetRevision: string; helm: { valueFiles?: string[]; valuesObject?: Record<string, unknown> } };
        destination: { namespace: string };
      };
    };
    const { source, destination } = application.spec;
    source.repoURL = where.repoURL;
    source.targetRevision = where.targetRevision;
    if (source.helm.valueFiles) source.helm.valueFiles.push(ownValuesFile);
    // The operator's values over the shipped ones, as their file comes after the profile in git.
    else source.helm.valuesObject = mergeValues(source.helm.valuesObject ?? {}, ownValues);
    destination.namespace = where.namespace;
    return application;
  }

  /**
   * Packages this checkout's chart with its dependency charts at Chart.yaml's version, as the
   * release pipeline does (.github/workflows/release.yml), pushes it to the registry beside the
   * node, and makes that registry an OCI Helm repository of Argo CD's, over plain HTTP (a
   * repository Secret); the repository and version an Application names.
   */
  async publishChart(): Promise<{ repoURL: string; version: string }> {
    const chart = await chartCopy({ subcharts: subchartsDir() });
    const out = await mkdtemp(join(tmpdir(), 'learnflow-oci-'));
    try {
      const { version } = parse(await readFile(join(chart, 'Chart.yaml'), 'utf8')) as { version: string };
      const repoURL = `127.0.0.1:${this.node.argocdPorts['registry']}/charts`;
      for (const args of [
        ['package', chart, '--destination', out],
        ['push', join(out, `learnflow-${version}.tgz`), `oci://${repoURL}`, '--plain-http'],
      ]) {
        const result = await helm(args);
        if (result.code !== 0) throw new Error(`helm ${args[0]}: ${result.stderr}`);
      }
      await this.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'learnflow-charts', namespace: 'argocd', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
        stringData: { type: 'helm', name: 'learnflow-charts', url: repoURL, enableOCI: 'true', insecureOCIForceHttp: 'true' },
      });
      return { repoURL, version };
    } finally {
      await Promise.all([rm(out, { recursive: true, force: true }), rm(chart, { recursive: true, force: true })]);
    }
  }

  /** Applies an object of Argo CD's: an Application, or a repository Secret. */
  async apply(object: K8sObject): Promise<void> {
    const applied = await this.node.cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(object));
    if (applied.code !== 0) throw new Error(`applying ${object.kind} ${object.metadata.name}: ${applied.stderr}`);
  }

  private application(name: string): Promise<Application> {
    return this.node.cluster.kubectlJson<Application>(['get', 'application', name, '--namespace', 'argocd']);
  }

  async status(name: string): Promise<ApplicationStatus> {
    return (await this.application(name)).status ?? { sync: { status: 'Unknown' }, health: { status: 'Unknown' } };
  }

  /**
   * Asks for a refresh (`hard`: the manifests rendered again, not taken from the cache), as the UI's
   * Refresh does, and waits until the controller has done it.
   */
  async refresh(name: string, kind: 'normal' | 'hard'): Promise<void> {
    const annotated = await this.node.cluster.kubectl([
      'annotate',
      'application',
      name,
      '--namespace',
      'argocd',
      '--overwrite',
      `argocd.argoproj.io/refresh=${kind}`,
    ]);
    if (annotated.code !== 0) throw new Error(`asking for a refresh of ${name}: ${annotated.stderr}`);
    await until(`Argo CD to refresh ${name}`, async () => {
      const { metadata } = await this.application(name);
      if ((metadata.annotations ?? {})['argocd.argoproj.io/refresh']) throw new NotYet('not refreshed yet');
    });
  }

  /**
   * Starts a sync of `revision`, as the UI's Sync does: an operation on the Application, with its
   * own sync options (without them Argo CD falls back to a client-side apply).
   */
  async sync(name: string, revision: string): Promise<void> {
    const application = await this.application(name);
    const operation = {
      initiatedBy: { username: 'learnflow-tests' },
      sync: { revision, syncOptions: application.spec.syncPolicy?.syncOptions ?? [] },
    };
    const patched = await this.node.cluster.kubectl([
      'patch',
      'application',
      name,
      '--namespace',
      'argocd',
      '--type',
      'merge',
      '--patch',
      JSON.stringify({ operation }),
    ]);
    if (patched.code !== 0) throw new Error(`starting a sync of ${name}: ${patched.stderr}`);
  }

  /** The resourceVersion of every object the Application manages (not its hooks), by kind, namespace and name. */
  async resourceVersions(name: string): Promise<Record<string, string>> {
    const resources = (await this.application(name)).status?.resources ?? [];
    const versions: Record<string, string> = {};
    // Hooks are made anew by every sync (their delete policy is BeforeHookCreation).
    for (const resource of resources.filter((each) => !each.hook)) {
      const kind = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
      const object = await this.node.cluster.kubectlJson<{ metadata: { resourceVersion: string } }>([
        'get',
        kind,
        resource.name,
        ...(resource.namespace ? ['--namespace', resource.namespace] : []),
      ]);
      versions[`${kind} ${resource.namespace ?? ''}/${resource.name}`] = object.metadata.resourceVersion;
    }
    return versions;
  }

  /**
   * Waits until the Application's last sync of `revision` (one started at `after`, epoch ms, or
   * later, if given) succeeded and it is Synced and Healthy; its status. A sync that failed ends
   * the wait at once, with its message.
   */
  untilSynced(name: string, revision: string, options: { after?: number; timeoutMs?: number } = {}): Promise<ApplicationStatus> {
    return until(
      `Application ${name} synced at ${revision.slice(0, 7)} and healthy`,
      async () => {
        const status = await this.status(name);
        const operation = status.operationState;
        // Argo CD keeps the start to the second.
        const current = Date.parse(operation?.startedAt ?? '') >= Math.floor((options.after ?? 0) / 1000) * 1000;
        if (current && operation?.syncResult?.revision === revision && ['Failed', 'Error'].includes(operation.phase)) {
          throw new Error(`the sync of ${name} at ${revision} ended ${operation.phase}: ${operation.message ?? ''}`);
        }
        const done =
          current &&
          operation?.phase === 'Succeeded' &&
          operation.syncResult?.revision === revision &&
          status.sync.status === 'Synced' &&
          status.health.status === 'Healthy';
        if (!done) {
          throw new NotYet(
            [
              `sync ${status.sync.status}, health ${status.health.status}`,
              `operation ${operation?.phase ?? 'none'}: ${operation?.message ?? ''}`,
              ...(status.conditions ?? []).map((condition) => `${condition.type}: ${condition.message}`),
            ].join('; '),
          );
        }
        return status;
      },
      // Below the tests' own limit, so that a sync Argo CD keeps retrying ends with its message.
      { timeoutMs: options.timeoutMs ?? 600_000 },
    );
  }

  /** The operation the Application has been asked for and not finished, if any. */
  async operation(name: string): Promise<unknown> {
    return (await this.application(name)).operation;
  }

  /** Waits until Argo CD has compared the Application with `revision`; its status then. */
  untilCompared(name: string, revision: string): Promise<ApplicationStatus> {
    return until(`Application ${name} compared with ${revision.slice(0, 7)}`, async () => {
      const status = await this.status(name);
      if (status.sync.revision !== revision) throw new NotYet(`compared with ${status.sync.revision ?? 'nothing'}`);
      return status;
    });
  }

  /**
   * Waits until a sync of `revision` has a hook that failed, and returns it: its kind, name and
   * the message Argo CD shows for it. Argo CD keeps a failed attempt's results only until its
   * next retry starts; a wait that misses them sees the retry's.
   */
  untilHookFailed(name: string, revision: string, timeoutMs = 600_000): Promise<{ kind: string; name: string; message: string }> {
    return until(
      `a hook of Application ${name}'s sync at ${revision.slice(0, 7)} to fail`,
      async () => {
        const operation = (await this.status(name)).operationState;
        const failed = (operation?.syncResult?.revision === revision ? (operation.syncResult.resources ?? []) : []).find(
          (resource) => resource.hookType && resource.hookPhase === 'Failed',
        );
        if (!failed)
          throw new NotYet(
            `operation ${operation?.phase ?? 'none'} at ${operation?.syncResult?.revision ?? '?'}: ${operation?.message ?? ''}`,
          );
        return { kind: failed.kind, name: failed.name, message: failed.message ?? '' };
      },
      { timeoutMs },
    );
  }
}
