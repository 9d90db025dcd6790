import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseObjects } from './chart.js';
import { run } from './process.js';

/** Kubernetes versions whose API schemas every rendered object must satisfy: the chart's floor and the newest. */
export const kubernetesVersions = ['1.29.0', '1.37.0'] as const;

/**
 * Validates manifests against the real Kubernetes OpenAPI schemas (kubernetes-validate, strict:
 * unknown fields are errors). Returns the failure lines, empty when everything is valid. Dapr's
 * kinds have no schema there: the API server checks them against Dapr's CRDs (test/controlplane).
 */
export async function schemaErrors(manifests: string, version: string): Promise<string[]> {
  const file = join(await mkdtemp(join(tmpdir(), 'learnflow-manifests-')), 'manifests.yaml');
  const builtIn = parseObjects(manifests).filter((object) => !object.apiVersion.startsWith('dapr.io/'));
  await writeFile(file, builtIn.map((object) => JSON.stringify(object)).join('\n---\n'));
  const result = await run('kubernetes-validate', ['--strict', '--quiet', '-k', version, file]);
  const problems = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /ERROR|WARN|Couldn't/.test(line));
  if (result.code !== 0 && problems.length === 0) problems.push(`kubernetes-validate exited ${result.code}: ${result.stderr}`);
  return problems;
}
