import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up with package.json (works from compiled copies too). */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const cliPath = join(repoRoot, 'dist', 'hooks', 'cli.js');
export const deployCliPath = join(repoRoot, 'dist', 'deploy', 'cli.js');
export const kafkaServerScript = join(repoRoot, 'scripts', 'harness', 'kafka-server.sh');
export const controlplaneScript = join(repoRoot, 'scripts', 'harness', 'controlplane.sh');
export const postgresqlServerScript = join(repoRoot, 'scripts', 'harness', 'postgresql-server.sh');
export const nodeScript = join(repoRoot, 'scripts', 'harness', 'node.sh');
/** The real node's facts, which node.sh sources and the tests read (test/support/node.ts). */
export const nodeEnvFile = join(repoRoot, 'scripts', 'harness', 'node.env');

/** The suite's state folder (LEARNFLOW_STATE), which scripts/env.sh sets: the harness scripts' instances live there. */
export function stateFolder(): string {
  const state = process.env['LEARNFLOW_STATE'];
  if (!state) throw new Error('LEARNFLOW_STATE is not set: source scripts/env.sh');
  return state;
}
