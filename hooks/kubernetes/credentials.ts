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
}

/**
 * Makes sure Secret `name` of `release` exists with every key in `keys`, generating a random value
 * for each key it lacks. A Secret it creates carries the labels the deploy command finds it by; one
 * it made before 0.2.0 gets the instance label it lacked; a Secret the user made keeps its labels,
 * so that `learnflow-infra down --delete-data` never deletes it. Values already there are never
 * changed, so the Secret stays in step with the database that was initialised from it.
 * Safe to run concurrently: losing a creation race means reading the winner's Secret.
 */
export async function ensureCredentials(
  client: KubernetesClient,
  target: { namespace: string; name: string; release: string },
  keys: readonly string[],
): Promise<EnsureResult> {
  const { namespace, name } = target;
  const labels = hooksOwnedLabels(target.release);
  const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await client.call('GET', path);
    if (existing.status === 404) {
      const data = Object.fromEntries(keys.map((key) => [key, Buffer.from(randomPassword()).toString('base64')]));
      const created = await client.call('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name, labels },
        data,
      });
      if (created.status === 409) continue; // a concurrent run created it first: read theirs
      expectOk(created, `create Secret ${namespace}/${name}`);
      return { created: true, added: [], labelled: false };
    }
    expectOk(existing, `read Secret ${namespace}/${name}`);
    const secret = existing.body as {
      data?: Record<string, string>;
      metadata: { resourceVersion: string; labels?: Record<string, string> };
    };
    const present = new Set(Object.keys(secret.data ?? {}));
    const missing = keys.filter((key) => !present.has(key));
    const madeByHook = secret.metadata.labels?.[labelKeys.managedBy] === hooksManager;
    const labelled = madeByHook && Object.entries(labels).some(([key, value]) => secret.metadata.labels?.[key] !== value);
    if (missing.length > 0 || labelled) {
      const data = Object.fromEntries(missing.map((key) => [key, Buffer.from(randomPassword()).toString('base64')]));
      // The resourceVersion makes a concurrent change fail (409) instead of being overwritten.
      const patched = await client.call(
        'PATCH',
        path,
        { metadata: { resourceVersion: secret.metadata.resourceVersion, ...(labelled ? { labels } : {}) }, data },
        'application/merge-patch+json',
      );
      if (patched.status === 409) continue;
      expectOk(patched, `complete Secret ${namespace}/${name}`);
    }
    return { created: false, added: missing, labelled };
  }
  throw new ActionableError(
    `Secret ${namespace}/${name} kept changing while it was being set up`,
    'something else is writing this Secret at the same time: stop it, then run the hook again',
  );
}

/** The credentials Secret the hook keeps (the credentials command's options). */
export interface CredentialsSettings extends KubernetesSettings, WaitSettings {
  secretName: string;
  keys: string[];
  release: string;
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
}

function describeChange(result: EnsureResult): string {
  const changes = [
    ...(result.added.length > 0 ? [`added ${result.added.join(', ')}`] : []),
    ...(result.labelled ? ['added its labels'] : []),
  ];
  return changes.length === 0 ? 'nothing changed' : changes.join('; ');
}
