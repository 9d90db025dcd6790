import { ActionableError } from '../../common/errors.js';
import { unreachable, type Target } from './kubectl.js';
import { lastLines, run, type Finished } from './process.js';

export interface ReleaseInfo {
  version: number;
  info: { status: string; last_deployed?: string };
  /** Hooks as Helm records them (helm status --output json), tests included. */
  hooks?: { name: string; kind: string; events: string[]; manifest: string; last_run?: { phase?: string; completed_at?: string } }[];
}

export interface Dependency {
  name: string;
  repository: string;
  status: string;
}

/** `helm dependency list` as rows; "ok" (an archive matching Chart.lock) and "unpacked" (a chart folder) are present. */
export function parseDependencyList(text: string): Dependency[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\t+|\s{2,}/))
    .filter((columns) => columns.length >= 4)
    .map(([name, , repository, status]) => ({ name: name!, repository: repository!, status: status!.trim() }));
}

export function isPresent(dependency: Dependency): boolean {
  return dependency.status === 'ok' || dependency.status === 'unpacked';
}

/** Helm, pointed at the same cluster and namespace as kubectl. */
export class Helm {
  constructor(readonly target: Target) {}

  private globalArgs(): string[] {
    return ['--namespace', this.target.namespace, ...(this.target.context ? ['--kube-context', this.target.context] : [])];
  }

  run(args: readonly string[], signal?: AbortSignal): Promise<Finished> {
    return run('helm', [...args, ...this.globalArgs()], signal ? { signal } : {});
  }

  /**
   * Runs Helm; a failure names the cluster problem when there is one (for commands that talk to
   * the cluster: a chart registry's network error is not the cluster's), else shows Helm's message.
   */
  async ok(args: readonly string[], what: string, fix: string, talksToCluster = true): Promise<string> {
    const result = await this.run(args);
    if (result.code === 0) return result.stdout;
    throw (talksToCluster ? unreachable(result.stderr) : undefined) ?? new ActionableError(`${what} failed`, fix, lastLines(result.stderr));
  }

  /** The release as Helm last recorded it, or undefined when there is none. */
  async release(name: string): Promise<ReleaseInfo | undefined> {
    const result = await this.run(['status', name, '--output', 'json']);
    if (result.code === 0) return JSON.parse(result.stdout) as ReleaseInfo;
    if (/not found/i.test(result.stderr)) return undefined;
    throw (
      unreachable(result.stderr) ?? new ActionableError(`helm status ${name} failed`, "see Helm's message below", lastLines(result.stderr))
    );
  }
}
