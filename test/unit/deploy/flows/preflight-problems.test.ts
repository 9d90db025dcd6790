import { describe, expect, it } from 'vitest';
import {
  claimsOf,
  pullSecretNames,
  pullSecretProblems,
  storageProblem,
  versionProblem,
} from '../../../../deploy/flows/preflight-problems.js';

describe('prerequisites', () => {
  it('compares versions as Kubernetes and Helm print them', () => {
    expect(versionProblem('kubernetes', 'v1.34.4')).toBeUndefined();
    expect(versionProblem('helm', 'v3.17.3')).toBe('helm v3.17.3 is older than the 3.18 this chart needs');
    expect(versionProblem('helm', 'v4.3')).toBeUndefined();
    expect(versionProblem('kubectl', '')).toBe('kubectl (unknown version) is older than the 1.29 this chart needs');
  });

  it('needs a default StorageClass only for claims that name no class', () => {
    const objects = [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: { template: { spec: { containers: [] } }, volumeClaimTemplates: [{ spec: {} }] },
      },
    ];
    const storageClass = (name: string, isDefault: boolean) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      provisioner: 'p',
      metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } },
    });
    expect(storageProblem(claimsOf(objects), [storageClass('slow', false)])).toBe(
      'the cluster has no default StorageClass, and StatefulSet db ask for volumes of the default class',
    );
    expect(storageProblem(claimsOf(objects), [storageClass('fast', true)])).toBeUndefined();
    expect(storageProblem([{ owner: 'StatefulSet db', storageClassName: 'gp3' }], [storageClass('fast', true)])).toBe(
      'StorageClass gp3 does not exist (asked for by StatefulSet db)',
    );
  });

  it("names the release's pull Secrets in its namespace, and those the kubelet would not use", () => {
    const pod = (kind: string, name: string, secrets: string[], namespace?: string) => ({
      apiVersion: 'v1',
      kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      spec: { template: { spec: { containers: [], imagePullSecrets: secrets.map((secret) => ({ name: secret })) } } },
    });
    const objects = [
      pod('Job', 'reconcile', ['registry', 'mirror']),
      pod('Deployment', 'injector', ['mirror'], 'learnflow'),
      pod('Deployment', 'elsewhere', ['other'], 'dapr-system'),
    ];
    expect(pullSecretNames(objects, 'learnflow')).toEqual(['mirror', 'registry']);

    const secret = (name: string, type: string | undefined, data: Record<string, string> = {}) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      ...(type ? { type } : {}),
      data,
    });
    expect(
      pullSecretProblems(
        ['login', 'old-login', 'opaque', 'empty', 'missing'],
        [
          secret('login', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': 'e30=' }),
          secret('old-login', 'kubernetes.io/dockercfg', { '.dockercfg': 'e30=' }),
          secret('opaque', undefined, { '.dockerconfigjson': 'e30=' }),
          secret('empty', 'kubernetes.io/dockerconfigjson'),
        ],
      ),
    ).toEqual([
      'Secret opaque is of type Opaque, not kubernetes.io/dockerconfigjson: the kubelet ignores it',
      'Secret empty has no .dockerconfigjson key: the kubelet ignores it',
      'Secret missing does not exist',
    ]);
  });
});
