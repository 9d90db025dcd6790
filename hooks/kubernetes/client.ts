import { request } from 'node:https';
import { ActionableError, ExitCode } from '../../common/errors.js';
import { readMountedFile, requireMountedFile } from '../lib/mounted-file.js';

/** Where a Pod finds its API server and credentials (the ServiceAccount token mount). */
export const inCluster = {
  tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
  namespaceFile: '/var/run/secrets/kubernetes.io/serviceaccount/namespace',
};

export interface KubernetesAccess {
  /** https://host:port of the API server. */
  server: string;
  tokenFile: string;
  caFile: string;
}

/** The API server from inside a Pod: the environment the kubelet sets. */
function inClusterServer(env: NodeJS.ProcessEnv): string | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (!host) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** How a hook that keeps something in the release's namespace reaches the API (the --kube-* options). */
export interface KubernetesSettings {
  namespace?: string | undefined;
  kubeServer?: string | undefined;
  kubeTokenFile: string;
  kubeCaFile: string;
}

/** A client for the API server the settings name (in a Pod: its own), and the namespace to work in. */
export async function connectKubernetes(settings: KubernetesSettings): Promise<{ client: KubernetesClient; namespace: string }> {
  const server = settings.kubeServer ?? inClusterServer(process.env);
  if (!server)
    throw new ActionableError('no Kubernetes API server to talk to', 'run in a Pod, or pass --kube-server', [], ExitCode.invalidInput);
  const namespace =
    settings.namespace ??
    (await readMountedFile({ what: 'the namespace file', path: inCluster.namespaceFile, from: "the Pod's ServiceAccount" }));
  if (!namespace) throw new ActionableError('no namespace to work in', 'run in a Pod, or pass --namespace', [], ExitCode.invalidInput);
  const client = await KubernetesClient.connect({ server, tokenFile: settings.kubeTokenFile, caFile: settings.kubeCaFile });
  return { client, namespace };
}

/** An answer from the API server; non-2xx answers are returned, not thrown, for the caller to judge. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** A failure to reach the API server at all (as opposed to an answer it gave). */
export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

/**
 * A minimal Kubernetes API client on node:https: a bearer token and the cluster CA, JSON in and
 * out. The hooks need a handful of calls, not a client library.
 */
export class KubernetesClient {
  private constructor(
    private readonly server: URL,
    private readonly token: string,
    private readonly ca: string,
  ) {}

  static async connect(access: KubernetesAccess): Promise<KubernetesClient> {
    const account = { from: "the Pod's ServiceAccount", check: 'the Pod mounts its token (automountServiceAccountToken)' };
    const [token, ca] = await Promise.all([
      requireMountedFile({ what: 'the API token file', path: access.tokenFile, ...account }),
      requireMountedFile({ what: "the API server's CA file", path: access.caFile, ...account }),
    ]);
    return new KubernetesClient(new URL(access.server), token, ca);
  }

  call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        {
          method,
          ca: this.ca,
          timeout: 10_000,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Not JSON (a proxy's error page): keep the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10s')));
      req.on('error', (error) => reject(new ApiUnreachable(`cannot reach the Kubernetes API at ${this.server.origin}: ${error.message}`)));
      req.end(payload);
    });
  }
}

/** Throws, naming `what` and the API server's message, unless `response` is a 2xx answer. */
export function expectOk(response: ApiResponse, what: string): void {
  if (response.status >= 200 && response.status < 300) return;
  const message = (response.body as { message?: string }).message ?? JSON.stringify(response.body);
  throw Object.assign(new Error(`${what}: the API server answered ${response.status}: ${message}`), {
    status: response.status,
    name: 'ApiRefused',
  });
}
