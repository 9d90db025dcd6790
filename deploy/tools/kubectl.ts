import { ActionableError } from '../../common/errors.js';
import type { List } from '../cluster/objects.js';
import { lastLines, run, type Finished } from './process.js';

/** How to reach the cluster: the kubeconfig's current context unless one is named. */
export interface Target {
  context?: string | undefined;
  namespace: string;
}

/**
 * Why kubectl could not talk to the cluster, as a cause and a fix; undefined when its error is
 * about something else (a missing object, a rejected request).
 */
export function unreachable(stderr: string): ActionableError | undefined {
  const said = lastLines(stderr, 3).join(' ');
  const causes: [RegExp, string, string][] = [
    [
      /no configuration has been provided|current-context is not set|context .* (does not exist|not found)/i,
      'no Kubernetes context is selected',
      'choose one with kubectl config use-context NAME (or pass --kube-context), or create a local cluster with up --create-kind-cluster',
    ],
    [
      /x509: certificate|tls: failed to verify/i,
      "the cluster's certificate is not trusted by the kubeconfig",
      "refresh the kubeconfig from the cluster (kind export kubeconfig, k3d kubeconfig merge, or your provider's CLI)",
    ],
    [
      /Unauthorized|must be logged in|provide credentials/i,
      "the cluster rejected the kubeconfig's credentials",
      "log in again or refresh the kubeconfig's token",
    ],
    [
      /connection refused|Unable to connect to the server|no such host|i\/o timeout|dial tcp|was refused|Client\.Timeout exceeded/i,
      'the Kubernetes API server cannot be reached',
      'start the cluster or select a reachable context (kubectl config get-contexts); check VPN and proxy settings',
    ],
  ];
  const found = causes.find(([pattern]) => pattern.test(said));
  return found && new ActionableError(`cluster unreachable: ${found[1]}`, found[2], [said]);
}

interface ListOptions {
  selector?: string;
  clusterWide?: boolean;
}

function listArgs(resource: string, options: ListOptions, namespace: string): string[] {
  const scope = options.clusterWide ? ['--all-namespaces'] : ['--namespace', namespace];
  return ['get', resource, ...scope, ...(options.selector ? ['--selector', options.selector] : [])];
}

/** undefined when RBAC forbade a read, which the caller then skips; any other failure with its reason. */
function forbiddenOrThrow(resource: string, result: Finished): undefined {
  if (/forbidden/i.test(result.stderr)) return undefined;
  throw (
    unreachable(result.stderr) ??
    new ActionableError(`kubectl get ${resource} failed`, "see kubectl's message below", lastLines(result.stderr))
  );
}

export class Kubectl {
  constructor(readonly target: Target) {}

  private globalArgs(): string[] {
    return this.target.context ? ['--context', this.target.context] : [];
  }

  /** A request gets 30 seconds: a dropped connection fails a poll instead of hanging it. */
  run(args: readonly string[], input?: string): Promise<Finished> {
    return run('kubectl', [...this.globalArgs(), '--request-timeout', '30s', ...args], input === undefined ? {} : { input });
  }

  /** Runs kubectl and parses its JSON; fails with the reason when the cluster cannot be reached. */
  async json<T>(args: readonly string[]): Promise<T> {
    const result = await this.run([...args, '--output', 'json']);
    if (result.code !== 0) {
      throw (
        unreachable(result.stderr) ??
        new ActionableError(`kubectl ${args.join(' ')} failed`, "see kubectl's message below", lastLines(result.stderr))
      );
    }
    return JSON.parse(result.stdout) as T;
  }

  /** Objects of the release's namespace (or the whole cluster with `clusterWide`). */
  async list<T>(resource: string, options: ListOptions = {}): Promise<T[]> {
    return (await this.json<List<T>>(listArgs(resource, options, this.target.namespace))).items;
  }

  /** Like list, but undefined when RBAC does not allow it (a user with rights in one namespace only). */
  async listIfAllowed<T>(resource: string, options: ListOptions = {}): Promise<T[] | undefined> {
    const result = await this.run([...listArgs(resource, options, this.target.namespace), '--output', 'json']);
    if (result.code === 0) return (JSON.parse(result.stdout) as List<T>).items;
    return forbiddenOrThrow(resource, result);
  }

  /** The named objects of the namespace that exist, or undefined when RBAC does not allow reading them. */
  async getIfAllowed<T extends object>(resource: string, names: readonly string[]): Promise<T[] | undefined> {
    const result = await this.run([
      'get',
      resource,
      ...names,
      '--namespace',
      this.target.namespace,
      '--ignore-not-found',
      '--output',
      'json',
    ]);
    if (result.code !== 0) return forbiddenOrThrow(resource, result);
    if (!result.stdout.trim()) return [];
    // One name gives the object itself, several a List.
    const parsed = JSON.parse(result.stdout) as T | List<T>;
    return 'items' in parsed ? parsed.items : [parsed];
  }

  /** The last lines a Job's Pod printed, or nothing when the logs cannot be read. */
  async jobLogs(job: string, lines = 20): Promise<string[]> {
    const result = await this.run(['logs', `job/${job}`, '--namespace', this.target.namespace, '--tail', String(lines)]);
    return result.code === 0 ? lastLines(result.stdout, lines) : [];
  }
}
