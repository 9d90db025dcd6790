/** What the service reads from its environment; PostgreSQL's own PG* variables go to pg as they are. */
export interface Settings {
  /** The port the app listens on: the Pod's dapr.io/app-port. */
  appPort: number;
  /** The sidecar's HTTP API; the Dapr injector sets DAPR_HTTP_PORT in every container of the Pod. */
  daprHttpPort: number;
  pubsubName: string;
  statestoreName: string;
  /** Catalogue topics this service subscribes to (docs/contract.md). */
  topics: string[];
  /** TLS to PostgreSQL, when the release's connection ConfigMap sets PGSSLMODE to more than disable. */
  databaseTls: DatabaseTls | undefined;
}

/** libpq's PGSSLMODE and the files PGSSLROOTCERT, PGSSLCERT and PGSSLKEY name: node-postgres reads PGSSLMODE alone. */
export interface DatabaseTls {
  mode: 'require' | 'verify-ca' | 'verify-full';
  rootCert?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

function databaseTls(env: NodeJS.ProcessEnv): DatabaseTls | undefined {
  const mode = env['PGSSLMODE'];
  if (mode === undefined || mode === 'disable') return undefined;
  if (mode !== 'require' && mode !== 'verify-ca' && mode !== 'verify-full')
    throw new Error(`PGSSLMODE must be disable, require, verify-ca or verify-full, not ${mode}`);
  return { mode, rootCert: env['PGSSLROOTCERT'], cert: env['PGSSLCERT'], key: env['PGSSLKEY'] };
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number, not ${env[name]}`);
    return value;
  };
  return {
    appPort: port('APP_PORT', 8080),
    daprHttpPort: port('DAPR_HTTP_PORT', 3500),
    pubsubName: env['DAPR_PUBSUB_NAME'] ?? 'pubsub-kafka',
    statestoreName: env['DAPR_STATESTORE_NAME'] ?? 'statestore',
    topics: (env['SUBSCRIBE_TOPICS'] ?? '')
      .split(',')
      .map((topic) => topic.trim())
      .filter(Boolean),
    databaseTls: databaseTls(env),
  };
}
