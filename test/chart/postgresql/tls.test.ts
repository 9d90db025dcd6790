import { describe, expect, it } from 'vitest';
import { find, render, renderError, type K8sObject } from '../../support/chart.js';
import type { PodSpec } from '../../support/pod.js';

const existing = { postgresql: { enabled: false }, postgresqlSchema: { host: 'db.example.com' } };
const withTls = (tls: object) => ({ ...existing, postgresqlSchema: { ...existing.postgresqlSchema, tls } });
const full = {
  mode: 'verify-full',
  caCertificate: { secretName: 'rds-ca', key: 'global-bundle.pem' },
  clientCertificate: { secretName: 'db-client' },
};

const podOf = (object: K8sObject) =>
  (object.kind === 'Pod' ? object['spec'] : (object['spec'] as { template: { spec: unknown } }).template.spec) as PodSpec;
const tlsEnv = (pod: PodSpec) =>
  Object.fromEntries(pod.containers[0]!.env.filter((entry) => entry.name.includes('_TLS_')).map((entry) => [entry.name, entry.value]));
const connectionString = (objects: K8sObject[]) =>
  (find(objects, 'Component', 'statestore')['spec'] as { metadata: { name: string; value?: string }[] }).metadata.find(
    (entry) => entry.name === 'connectionString',
  )!.value;

describe('postgresqlSchema.tls', () => {
  it('off by default: no TLS option, volume or sidecar mount, and sslmode=disable for the state store', async () => {
    const objects = await render();
    for (const [kind, name] of [
      ['Job', 'learnflow-reconcile'],
      ['Pod', 'learnflow-postgresql-check'],
      ['Job', 'learnflow-dapr-check'],
    ] as const) {
      const pod = podOf(find(objects, kind, name));
      expect(tlsEnv(pod), name).toEqual({});
      expect(
        (pod.volumes ?? []).map((volume) => volume.name),
        name,
      ).not.toContain('postgresql-tls');
    }
    expect(connectionString(objects)).toContain("sslmode='disable'");
    expect(connectionString(objects)).not.toContain('sslrootcert');
    expect(
      Object.keys(find(objects, 'ConfigMap', 'learnflow-connection')['data'] as object).filter((key) => key.startsWith('PGSSL')),
    ).toEqual([]);
  });

  it('gives the hooks, the check and the state store the same mode and files, from one projected volume', async () => {
    const objects = await render({ values: withTls(full) });
    const files = {
      LEARNFLOW_HOOKS_POSTGRESQL_TLS_MODE: 'verify-full',
      LEARNFLOW_HOOKS_POSTGRESQL_TLS_CA_FILE: '/etc/learnflow/postgresql-tls/ca.crt',
      LEARNFLOW_HOOKS_POSTGRESQL_TLS_CERT_FILE: '/etc/learnflow/postgresql-tls/tls.crt',
      LEARNFLOW_HOOKS_POSTGRESQL_TLS_KEY_FILE: '/etc/learnflow/postgresql-tls/tls.key',
    };
    const volume = {
      name: 'postgresql-tls',
      projected: {
        sources: [
          { secret: { name: 'rds-ca', items: [{ key: 'global-bundle.pem', path: 'ca.crt' }] } },
          {
            secret: {
              name: 'db-client',
              items: [
                { key: 'tls.crt', path: 'tls.crt' },
                { key: 'tls.key', path: 'tls.key' },
              ],
            },
          },
        ],
      },
    };
    for (const pod of [podOf(find(objects, 'Job', 'learnflow-reconcile')), podOf(find(objects, 'Pod', 'learnflow-postgresql-check'))]) {
      expect(tlsEnv(pod)).toEqual(files);
      expect(pod.volumes?.find((entry) => entry.name === 'postgresql-tls')).toMatchObject(volume);
      expect(pod.containers[0]!.volumeMounts).toContainEqual({
        name: 'postgresql-tls',
        mountPath: '/etc/learnflow/postgresql-tls',
        readOnly: true,
      });
    }
    expect(connectionString(objects)).toBe(
      "host='db.example.com' port='5432' user='dapr' database='learnflow' sslmode='verify-full' " +
        "sslrootcert='/etc/learnflow/postgresql-tls/ca.crt' sslcert='/etc/learnflow/postgresql-tls/tls.crt' " +
        "sslkey='/etc/learnflow/postgresql-tls/tls.key'",
    );
    // Services read the same, as libpq's variables, where they mount the volume (docs/services.md).
    expect(find(objects, 'ConfigMap', 'learnflow-connection')['data']).toMatchObject({
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/etc/learnflow/postgresql-tls/ca.crt',
      PGSSLCERT: '/etc/learnflow/postgresql-tls/tls.crt',
      PGSSLKEY: '/etc/learnflow/postgresql-tls/tls.key',
    });
    // The check's sidecar reads the files; the check itself never connects to PostgreSQL.
    const daprCheck = find(objects, 'Job', 'learnflow-dapr-check')['spec'] as {
      template: { metadata: { annotations: Record<string, string> }; spec: PodSpec };
    };
    expect(daprCheck.template.metadata.annotations['dapr.io/volume-mounts']).toBe('postgresql-tls:/etc/learnflow/postgresql-tls');
    expect(daprCheck.template.spec.volumes?.find((entry) => entry.name === 'postgresql-tls')).toMatchObject(volume);
    expect(tlsEnv(daprCheck.template.spec)).toEqual({});
  });

  it('takes the CA from a ConfigMap; require without files mounts nothing and asks for TLS alone', async () => {
    const fromConfigMap = await render({ values: withTls({ mode: 'verify-ca', caCertificate: { configMapName: 'db-ca' } }) });
    expect(
      podOf(find(fromConfigMap, 'Pod', 'learnflow-postgresql-check')).volumes?.find((entry) => entry.name === 'postgresql-tls'),
    ).toMatchObject({
      projected: { sources: [{ configMap: { name: 'db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] },
    });
    const required = await render({ values: withTls({ mode: 'require' }) });
    const check = podOf(find(required, 'Pod', 'learnflow-postgresql-check'));
    expect(tlsEnv(check)).toEqual({ LEARNFLOW_HOOKS_POSTGRESQL_TLS_MODE: 'require' });
    expect(check.volumes?.map((entry) => entry.name)).not.toContain('postgresql-tls');
    expect(connectionString(required)).toMatch(/sslmode='require'$/);
  });

  it.each([
    [
      'a CA in both a Secret and a ConfigMap',
      withTls({ mode: 'verify-full', caCertificate: { secretName: 'a', configMapName: 'b' } }),
      'postgresqlSchema.tls.caCertificate names both a Secret (a) and a ConfigMap (b): keep the one that holds the CA',
    ],
    [
      'files with TLS off',
      withTls({ caCertificate: { secretName: 'a' } }),
      'postgresqlSchema.tls names a CA or a client certificate but postgresqlSchema.tls.mode is disable, so nothing would use them: ' +
        'set postgresqlSchema.tls.mode=verify-full',
    ],
    [
      "TLS to this release's PostgreSQL, which has none",
      { postgresqlSchema: { tls: { mode: 'verify-full' } } },
      "postgresqlSchema.tls.mode is verify-full but this release's PostgreSQL has no TLS: set postgresql.tls.enabled=true",
    ],
    [
      'prefer, which falls back to plaintext unnoticed',
      withTls({ mode: 'prefer' }),
      "at '/postgresqlSchema/tls/mode': value must be one of 'disable', 'require', 'verify-ca', 'verify-full'",
    ],
  ])('refuses %s, naming the fix', async (_case, values, message) => {
    expect(await renderError({ values })).toContain(message);
  });
});
