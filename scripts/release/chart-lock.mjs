// @ts-check
// Chart.lock, written as `helm dependency update` writes it, from the exact versions Chart.yaml
// pins: that command needs the charts' registries, which the suite cannot reach.
//   node scripts/release/chart-lock.mjs        (npm run chart:lock)
// test/chart/package.test.ts fails when Chart.lock is not what this writes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/**
 * @typedef {{ name: string, version?: string, repository?: string, condition?: string, tags?: string[],
 *   enabled?: boolean, 'import-values'?: unknown[], alias?: string }} Dependency
 */

/**
 * A dependency as Go's encoding/json writes Helm's chart.Dependency: its fields in their order,
 * empty ones left out (omitempty) except name and repository.
 * @param {Dependency} dependency
 */
function goJson(dependency) {
  /** @type {Record<string, unknown>} */
  const fields = { name: dependency.name };
  if (dependency.version) fields['version'] = dependency.version;
  fields['repository'] = dependency.repository ?? '';
  if (dependency.condition) fields['condition'] = dependency.condition;
  if (dependency.tags?.length) fields['tags'] = dependency.tags;
  if (dependency.enabled) fields['enabled'] = true;
  if (dependency['import-values']?.length) fields['import-values'] = dependency['import-values'];
  if (dependency.alias) fields['alias'] = dependency.alias;
  return fields;
}

/**
 * The digest Helm keeps in Chart.lock and checks in `helm dependency build` (Helm's
 * resolver.HashReq): the SHA-256 of the JSON of [Chart.yaml's dependencies, the locked ones].
 * @param {readonly Dependency[]} required
 * @param {readonly Dependency[]} locked
 */
export function lockDigest(required, locked) {
  // Go escapes <, > and & in JSON strings.
  const json = JSON.stringify([required.map(goJson), locked.map(goJson)]).replace(
    /[<>&]/g,
    (char) => `\\u00${char.charCodeAt(0).toString(16)}`,
  );
  return `sha256:${createHash('sha256').update(json).digest('hex')}`;
}

/**
 * The lock for a chart whose dependencies each pin one exact version, keeping `generated` from
 * `previous` when nothing changed.
 * @param {string} chartYaml
 * @param {string} [previous]
 */
export function chartLock(chartYaml, previous) {
  const required = /** @type {{ dependencies?: Dependency[] }} */ (parse(chartYaml)).dependencies ?? [];
  const ranges = required.filter((dependency) => !/^\d+\.\d+\.\d+$/.test(dependency.version ?? ''));
  if (ranges.length > 0)
    throw new Error(
      `pin an exact version for ${ranges.map((dependency) => dependency.name).join(', ')}: a range needs helm dependency update`,
    );
  const dependencies = required.map(({ name, repository, version }) => ({ name, repository: repository ?? '', version: version ?? '' }));
  const digest = lockDigest(required, dependencies);
  const before = previous ? /** @type {{ digest?: string, generated?: string }} */ (parse(previous)) : {};
  const generated = before.digest === digest && before.generated ? before.generated : new Date().toISOString();
  return stringify({ dependencies, digest, generated });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const lockFile = `${root}Chart.lock`;
  const previous = existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : undefined;
  writeFileSync(lockFile, chartLock(readFileSync(`${root}Chart.yaml`, 'utf8'), previous));
}
