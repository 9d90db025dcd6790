import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/paths.js';

const read = (file: string) => readFile(join(repoRoot, file), 'utf8');
const major = (version: string) => Number(/^\D*(\d+)/.exec(version)?.[1]);

describe('the Node.js line', () => {
  it('is one: the Node the suite runs, the local hooks image, the engines floor and the Dockerfile base (that very release)', async () => {
    const pinned = /^NODE_VERSION=(\S+)$/m.exec(await read('scripts/versions.env'))?.[1];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    // env.sh puts install-tools.sh's Node first on PATH, the one node/build.sh copies into NODE_IMAGE.
    expect(process.versions.node, 'run the suite after `source scripts/env.sh`').toBe(pinned);
    const floor = (JSON.parse(await read('package.json')) as { engines: { node: string } }).engines.node;
    expect(floor).toMatch(/^>=\d+\.\d+\.\d+$/);
    const base = /^ARG NODE_IMAGE=node:(\S+)-alpine$/m.exec(await read('Dockerfile'))?.[1];
    // The image's base is the very release the suite runs, never a floating line (node:24-alpine).
    expect(base, "the Dockerfile's NODE_IMAGE").toBe(pinned);
    expect(new Set([major(pinned!), major(floor)]).size).toBe(1);
    // An even major is an LTS line.
    expect(major(pinned!) % 2).toBe(0);
  });
});

describe('the Argo CD version', () => {
  it("is one: the CRDs the suite applies come from the Argo CD module the node's Argo CD is built from", async () => {
    const pinned = /^ARGOCD_VERSION=(\S+)$/m.exec(await read('scripts/versions.env'))?.[1];
    const required = /^\s*github\.com\/argoproj\/argo-cd\/v3 (\S+)$/m.exec(await read('scripts/harness/argocd/go.mod'))?.[1];
    expect(pinned).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(required, 'scripts/harness/argocd/go.mod').toBe(pinned);
  });
});
