import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { find, type K8sObject } from './chart.js';
import { runCli, type CliResult } from './cli.js';
import { Daprd } from './daprd.js';
import { freePorts } from './ports.js';

export interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
type Items = { key: string; path: string }[];
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; optional?: boolean; items?: Items };
  projected?: { sources: { secret?: { name: string; items: Items }; configMap?: { name: string; items: Items } }[] };
}
export interface PodSpec {
  automountServiceAccountToken?: boolean;
  containers: Container[];
  volumes?: Volume[];
}

export interface LocalServices {
  /** Environment values to replace: in-cluster addresses by local ones. */
  substitutions: Record<string, string>;
  /** The content of Secrets the Pod mounts (made at run time by the credentials hook, or by the user). */
  secrets?: Record<string, Record<string, string>>;
  /** The content of ConfigMaps the Pod mounts that the chart does not make (the user's). */
  configMaps?: Record<string, Record<string, string>>;
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
    const dir = join(root, mount.mountPath);
    await mkdir(dir, { recursive: true });
    for (const [file, content] of volumeFiles(objects, spec, mount.name, local)) {
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

/**
 * The files of Pod volume `name`, as the kubelet writes them: a volume with items holds those
 * keys only, each at its path (an optional one leaves out the keys its Secret lacks); a projected
 * volume, the files of all its sources.
 */
export function volumeFiles(
  objects: readonly K8sObject[],
  spec: PodSpec,
  name: string,
  local: LocalServices,
): [string, string | undefined][] {
  const volume = (spec.volumes ?? []).find((candidate) => candidate.name === name);
  expect(volume, `volume ${name}`).toBeDefined();
  const configMap = (configMapName: string) =>
    local.configMaps?.[configMapName] ??
    (objects.some((object) => object.kind === 'ConfigMap' && object.metadata.name === configMapName)
      ? (find(objects, 'ConfigMap', configMapName)['data'] as Record<string, string>)
      : undefined);
  const content = (data: Record<string, string> | undefined, what: string) => {
    expect(data, `the content of ${what} in volume ${name}`).toBeDefined();
    return data!;
  };
  const picked = (data: Record<string, string>, items: Items | undefined, optional = false) =>
    items
      ? items
          .map(({ key, path }): [string, string | undefined] => [path, data[key]])
          .filter(([, value]) => value !== undefined || !optional)
      : Object.entries(data);
  if (volume!.projected) {
    return volume!.projected.sources.flatMap((source) =>
      source.secret
        ? picked(content(local.secrets?.[source.secret.name], `Secret ${source.secret.name}`), source.secret.items)
        : picked(content(configMap(source.configMap!.name), `ConfigMap ${source.configMap!.name}`), source.configMap!.items),
    );
  }
  if (volume!.configMap) return picked(content(configMap(volume!.configMap.name), `ConfigMap ${volume!.configMap.name}`), undefined);
  const secret = volume!.secret!;
  return picked(content(local.secrets?.[secret.secretName], `Secret ${secret.secretName}`), secret.items, secret.optional);
}

/**
 * The rendered Dapr check Job run as in its Pod, beside a real daprd loading the rendered
 * components: the sidecar gets the Pod's volumes that dapr.io/volume-mounts names, where it names
 * them, and `local` points both at the local services. daprd is stopped on return.
 */
export async function runDaprCheck(objects: readonly K8sObject[], local: LocalServices): Promise<{ check: CliResult; sidecarLog: string }> {
  const template = (
    find(objects, 'Job', 'learnflow-dapr-check')['spec'] as {
      template: { metadata: { annotations: Record<string, string> }; spec: PodSpec };
    }
  ).template;
  const sidecarMounts: Record<string, string> = {};
  for (const entry of (template.metadata.annotations['dapr.io/volume-mounts'] ?? '').split(',').filter(Boolean)) {
    const [volume, mountPath] = entry.split(':') as [string, string];
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-sidecar-'));
    for (const [file, content] of volumeFiles(objects, template.spec, volume, local)) await writeFile(join(dir, file), content!);
    sidecarMounts[mountPath] = dir;
  }
  const appPort = await freePorts(1);
  const daprd = await Daprd.start({
    appId: template.metadata.annotations['dapr.io/app-id']!,
    appPort,
    components: objects.filter((object) => object.kind === 'Component'),
    secrets: local.secrets ?? {},
    substitutions: { ...local.substitutions, ...sidecarMounts },
  });
  try {
    const check = await runContainer(objects, template.spec, {
      ...local,
      substitutions: { ...local.substitutions, '8080': String(appPort) },
      env: { ...local.env, DAPR_HTTP_PORT: String(daprd.httpPort) },
    });
    return { check, sidecarLog: daprd.log };
  } finally {
    await daprd.stop();
  }
}
