import { randomBytes } from 'node:crypto';
import { ActionableError } from '../../common/errors.js';
import { hooksOwnedLabels, hooksManager, labelKeys } from '../../common/labels.js';
import type { Logger } from '../lib/logger.js';
import { retryOptions, retryUntil, type WaitSettings } from '../lib/retry.js';
import { connectKubernetes, expectOk, type KubernetesClient, type KubernetesSettings } from './client.js';
import { classifyKubernetesFailure } from './failures.js';

/** A strong random password: 32 bytes, URL-safe base64 (no characters that need quoting). */
function randomPassword(): string {
  return randomBytes(32).toString('base64url');
}

export interface EnsureResult {
  created: boolean;
  /** Keys added to an existing Secret that lacked them. */
  added: string[];
  /** Whether a Secret this hook made before 0.2.0 lacked its instance label, which was added. */
  labelled: boolean;
  /** The Secret's data as the write left it (base64, as the API holds it), for the services' copies. Never logged. */
  data: Readonly<Record<string, string>>;
}

/** A Secret as the API returns it, in the parts the hook reads. */
interface StoredSecret {
  data?: Record<string, string>;
  metadata: { resourceVersion: string; labels?: Record<string, string> };
}

/**
 * Creates Secret `target.name`, labelled as the hooks' own, with what `steps.create` gives, or
 * merge-patches the one there with what `steps.change` makes of it (no patch: left as it is). The
 * resourceVersion makes a concurrent change fail (409) instead of being overwritten, and a
 * concurrent creation too: the Secret is then read again, up to three times.
 */
async function writeSecret<T>(
  client: KubernetesClient,
  target: { namespace: string; name: string; release: string },
  steps: {
    /** What the write is, for the error when the Secret keeps changing: "set up", "copied". */
    doing: string;
    create: () => { data: Record<string, string>; done: T };
    change: (secret: StoredSecret) => { patch?: { data: Record<string, string | null>; labels?: Record<string, string> }; done: T };
  },
): Promise<T> {
  const { namespace, name } = target;
  const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await client.call('GET', path);
    if (existing.status === 404) {
      const { data, done } = steps.create();
      const created = await client.call('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name, labels: hooksOwnedLabels(target.release) },
        data,
      });
      if (created.status === 409) continue; // a concurrent run created it first: read theirs
      expectOk(created, `create Secret ${namespace}/${name}`);
      return done;
    }
    expectOk(existing, `read Secret ${namespace}/${name}`);
    const secret = existing.body as StoredSecret;
    const { patch, done } = steps.change(secret);
    if (patch) {
      const { data, labels } = patch;
      const metadata = { resourceVersion: secret.metadata.resourceVersion, ...(labels ? { labels } : {}) };
      const patched = await client.call('PATCH', path, { metadata, data }, 'application/merge-patch+json');
      if (patched.status === 409) continue;
      expectOk(patched, `update Secret ${namespace}/${name}`);
    }
    return done;
  }
  throw new ActionableError(
    `Secret ${namespace}/${name} kept changing while it was being ${steps.doing}`,
    'something else is writing this Secret at the same time: stop it, then run the hook again',
  );
}

/**
 * Makes sure Secret `name` of `release` exists with every key in `keys`, generating a random value
 * for each key it lacks. A Secret it creates carries the labels the deploy command finds it by; one
 * it made before 0.2.0 gets the instance label it lacked; a Secret the user made keeps its labels,
 * so that `learnflow-infra down --delete-data` never deletes it. Values already there are never
 * changed, so the Secret stays in step with the database that was initialised from it.
 * Safe to run concurrently: losing a creation race means reading the winner's Secret.
 */
export function ensureCredentials(
  client: KubernetesClient,
  target: { namespace: string; name: string; release: string },
  keys: readonly string[],
): Promise<EnsureResult> {
  const labels = hooksOwnedLabels(target.release);
  const random = (names: readonly string[]) =>
    Object.fromEntries(names.map((key) => [key, Buffer.from(randomPassword()).toString('base64')]));
  return writeSecret(client, target, {
    doing: 'set up',
    create: () => {
      const data = random(keys);
      return { data, done: { created: true, added: [], labelled: false, data } };
    },
    change: (secret) => {
      const present = new Set(Object.keys(secret.data ?? {}));
      const missing = keys.filter((key) => !present.has(key));
      const madeByHook = secret.metadata.labels?.[labelKeys.managedBy] === hooksManager;
      const labelled = madeByHook && Object.entries(labels).some(([key, value]) => secret.metadata.labels?.[key] !== value);
      const added = random(missing);
      const done = { created: false, added: missing, labelled, data: { ...secret.data, ...added } };
      if (missing.length === 0 && !labelled) return { done };
      return { patch: { data: added, ...(labelled ? { labels } : {}) }, done };
    },
  });
}

/**
 * The merge patch that makes a services namespace's copy hold exactly `keys` of the credentials
 * Secret's data, as it holds them: changed or missing values set, other keys removed (null).
 * Undefined when the copy is exact already.
 */
export function copyPatch(
  source: Readonly<Record<string, string>>,
  copy: Readonly<Record<string, string>>,
  keys: readonly string[],
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const key of keys) if (copy[key] !== source[key]) patch[key] = source[key] ?? null;
  for (const key of Object.keys(copy)) if (!keys.includes(key)) patch[key] = null;
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/**
 * Makes Secret `name` in a services namespace an exact copy of `data` (the service's keys of the
 * credentials Secret, base64 as the API holds them), labelled as the hooks' own. A Secret there
 * that the hooks did not make for `release` is never overwritten.
 */
export function copyCredentials(
  client: KubernetesClient,
  target: { namespace: string; name: string; release: string },
  data: Readonly<Record<string, string>>,
): Promise<'created' | 'updated' | 'unchanged'> {
  const { namespace, name } = target;
  const labels = hooksOwnedLabels(target.release);
  return writeSecret(client, target, {
    doing: 'copied',
    create: () => ({ data: { ...data }, done: 'created' as const }),
    change: (secret) => {
      if (Object.entries(labels).some(([key, value]) => secret.metadata.labels?.[key] !== value))
        throw new ActionableError(
          `Secret ${namespace}/${name} exists and was not made by the credentials hook of release ${target.release}`,
          "the hook copies a service's credentials there: delete or rename that Secret, " +
            `or remove ${namespace} from global.learnflow.serviceNamespaces`,
        );
      const patch = copyPatch(data, secret.data ?? {}, Object.keys(data));
      return patch ? { patch: { data: patch }, done: 'updated' as const } : { done: 'unchanged' as const };
    },
  });
}

/**
 * The credentials Secret the hook keeps, and the services namespaces it copies a service's keys
 * into (the credentials command's options).
 */
export interface CredentialsSettings extends KubernetesSettings, WaitSettings {
  secretName: string;
  keys: string[];
  release: string;
  serviceNamespaces: string[];
  serviceKeys: string[];
}

/** The credentials hook's work: the Secret made or completed, and what changed logged. */
export async function reconcileCredentials(settings: CredentialsSettings, logger: Logger): Promise<void> {
  const { client, namespace } = await connectKubernetes(settings);
  const { secretName: name, keys } = settings;
  const result = await retryUntil(
    () => ensureCredentials(client, { namespace, name, release: settings.release }, keys),
    retryOptions(`setting up Secret ${namespace}/${name}`, settings, logger, classifyKubernetesFailure),
  );
  logger.info(
    { secret: name, created: result.created, added: result.added, labelled: result.labelled },
    result.created ? `created Secret ${name} with ${keys.length} random password(s)` : `Secret ${name} exists; ${describeChange(result)}`,
  );
  if (settings.serviceNamespaces.length === 0) return;

  const missing = settings.serviceKeys.filter((key) => result.data[key] === undefined);
  if (missing.length > 0)
    throw new ActionableError(
      `Secret ${namespace}/${name} lacks ${missing.join(', ')}, which the services namespaces need`,
      'run the hook with --keys listing them (the chart does), or add them to your own Secret',
    );
  const data = Object.fromEntries(settings.serviceKeys.map((key) => [key, result.data[key]!]));
  for (const serviceNamespace of settings.serviceNamespaces) {
    const copied = await retryUntil(
      () => copyCredentials(client, { namespace: serviceNamespace, name, release: settings.release }, data),
      retryOptions(`copying Secret ${name} into ${serviceNamespace}`, settings, logger, classifyKubernetesFailure),
    );
    logger.info(
      { secret: name, namespace: serviceNamespace, keys: settings.serviceKeys, result: copied },
      `services' copy of ${name} in ${serviceNamespace}: ${copied}`,
    );
  }
}

function describeChange(result: EnsureResult): string {
  const changes = [
    ...(result.added.length > 0 ? [`added ${result.added.join(', ')}`] : []),
    ...(result.labelled ? ['added its labels'] : []),
  ];
  return changes.length === 0 ? 'nothing changed' : changes.join('; ');
}
