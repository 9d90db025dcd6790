import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { find, type K8sObject } from './chart.js';
import { runCli } from './cli.js';

export interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
  automountServiceAccountToken?: boolean;
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string; optional?: boolean; items?: { key: string; path: string }[] };
  }[];
}

export interface LocalServices {
  /** Environment values to replace: in-cluster addresses by local ones. */
  substitutions: Record<string, string>;
  /** The content of Secrets the Pod mounts (made at run time by the credentials hook). */
  secrets?: Record<string, Record<string, string>>;
  /** Environment the cluster adds (the sidecar injector's DAPR_HTTP_PORT). */
  env?: Record<string, string>;
  /** For a Pod that mounts its API token: the program's options that stand for the token the kubelet mounts (HookAccount.env). */
  apiAccess?: Record<string, string>;
}

/**
 * Runs a rendered container here as the kubelet would: its command and arguments, its
 * environment, and its ConfigMap and Secret volumes written out as files; only service addresses
 * are pointed at the local services, and mount paths at a temporary folder.
 */
export async function runContainer(objects: readonly K8sObject[], spec: PodSpec, local: LocalServices) {
  const [container] = spec.containers;
  expect(container!.command).toEqual(['node', '/app/dist/hooks/cli.js']);
  const root = await mkdtemp(join(tmpdir(), 'learnflow-pod-'));
  const mounts = new Map<string, string>();
  for (const mount of container!.volumeMounts ?? []) {
    const volume = (spec.volumes ?? []).find((candidate) => candidate.name === mount.name)!;
    const data = volume.configMap
      ? (find(objects, 'ConfigMap', volume.configMap.name)['data'] as Record<string, string>)
      : local.secrets?.[volume.secret!.secretName];
    expect(data, `the content of volume ${mount.name}`).toBeDefined();
    const dir = join(root, mount.mountPath);
    await mkdir(dir, { recursive: true });
    // A volume with items holds those keys only, each at its path, as the kubelet writes it; an
    // optional one leaves out the keys the Secret lacks.
    const files = volume.secret?.items
      ? volume.secret.items
          .map(({ key, path }): [string, string | undefined] => [path, data![key]])
          .filter(([, content]) => content !== undefined || !volume.secret!.optional)
      : Object.entries(data!);
    for (const [file, content] of files) {
      expect(content, `key of ${file} in volume ${mount.name}`).toBeDefined();
      await writeFile(join(dir, file), content!);
    }
    mounts.set(mount.mountPath, dir);
  }
  const env: Record<string, string> = {};
  for (const variable of container!.env) {
    expect(variable.valueFrom, `${variable.name} comes from a literal value`).toBeUndefined();
    let value = local.substitutions[variable.value!] ?? variable.value!;
    // The longest mount path first: /etc/learnflow/kafka-sasl is not under /etc/learnflow/kafka.
    const mount = [...mounts]
      .sort(([a], [b]) => b.length - a.length)
      .find(([mountPath]) => value.startsWith(`${mountPath}/`) || value === mountPath);
    if (mount) value = mount[1] + value.slice(mount[0].length);
    env[variable.name] = value;
  }
  // Only a Pod that mounts its token reaches the API, as in the cluster.
  expect(Boolean(local.apiAccess), 'local.apiAccess given exactly when the Pod mounts its API token').toBe(
    spec.automountServiceAccountToken === true,
  );
  return runCli(container!.args, { ...local.env, ...local.apiAccess, ...env });
}
