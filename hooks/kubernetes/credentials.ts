import { randomBytes } from 'node:crypto';
import { ActionableError } from '../../common/errors.js';
import type { ApiResponse, KubernetesClient } from './client.js';

/** A strong random password: 32 bytes, URL-safe base64 (no characters that need quoting). */
function randomPassword(): string {
  return randomBytes(32).toString('base64url');
}

export interface EnsureResult {
  created: boolean;
  /** Keys added to an existing Secret that lacked them. */
  added: string[];
}

/**
 * Makes sure Secret `name` exists with every key in `keys`, generating a random value for each
 * key it lacks. Values already there are never changed, so the Secret stays in step with the
 * database that was initialised from it. Safe to run concurrently: losing a creation race means
 * reading the winner's Secret.
 */
export async function ensureCredentials(
  client: KubernetesClient,
  namespace: string,
  name: string,
  keys: readonly string[],
): Promise<EnsureResult> {
  const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await client.call('GET', path);
    if (existing.status === 404) {
      const data = Object.fromEntries(keys.map((key) => [key, Buffer.from(randomPassword()).toString('base64')]));
      const created = await client.call('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: { name, labels: { 'app.kubernetes.io/part-of': 'learnflow', 'app.kubernetes.io/managed-by': 'learnflow-hooks' } },
        data,
      });
      if (created.status === 409) continue; // a concurrent run created it first: read theirs
      expectOk(created, `create Secret ${namespace}/${name}`);
      return { created: true, added: [] };
    }
    expectOk(existing, `read Secret ${namespace}/${name}`);
    const present = new Set(Object.keys((existing.body as { data?: Record<string, string> }).data ?? {}));
    const missing = keys.filter((key) => !present.has(key));
    if (missing.length > 0) {
      const data = Object.fromEntries(missing.map((key) => [key, Buffer.from(randomPassword()).toString('base64')]));
      // The resourceVersion makes a concurrent change fail (409) instead of being overwritten.
      const patched = await client.call(
        'PATCH',
        path,
        { metadata: { resourceVersion: (existing.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion }, data },
        'application/merge-patch+json',
      );
      if (patched.status === 409) continue;
      expectOk(patched, `add keys to Secret ${namespace}/${name}`);
    }
    return { created: false, added: missing };
  }
  throw new ActionableError(
    `Secret ${namespace}/${name} kept changing while it was being set up`,
    'something else is writing this Secret at the same time: stop it, then run the hook again',
  );
}

function expectOk(response: ApiResponse, what: string): void {
  if (response.status >= 200 && response.status < 300) return;
  const message = (response.body as { message?: string }).message ?? JSON.stringify(response.body);
  throw Object.assign(new Error(`${what}: the API server answered ${response.status}: ${message}`), {
    status: response.status,
    name: 'ApiRefused',
  });
}
