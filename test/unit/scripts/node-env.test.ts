import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvFile, words } from '../../support/env-file.js';
import { nodeEnvFile, repoRoot } from '../../support/paths.js';
import { runOk } from '../../support/process.js';

// scripts/harness/node.env holds the real node's facts once: node.sh sources it, and the suite
// reads it to check that stop restores the machine (test/support/node.ts).
describe("the real node's facts", () => {
  it('read the same by bash, which sources the file, and by the suite', async () => {
    const facts = readEnvFile(nodeEnvFile);
    expect(Object.keys(facts).length).toBeGreaterThan(0);
    // From an empty environment: only what the file defines is there (vitest's NODE_ENV is not).
    const printed = await runOk('env', [
      '-i',
      'bash',
      '-c',
      'set -euo pipefail; source "$1"; shift; compgen -v NODE_; for key in "$@"; do printf "%s=%s\\n" "$key" "${!key}"; done',
      'node-env',
      nodeEnvFile,
      ...Object.keys(facts),
    ]);
    const lines = printed.stdout.trimEnd().split('\n');
    const defined = lines.filter((line) => !line.includes('='));
    expect(defined.sort(), 'the variables bash defines').toEqual(Object.keys(facts).sort());
    expect(
      Object.fromEntries(lines.filter((line) => line.includes('=')).map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)])),
    ).toEqual(facts);
  });

  it("are written nowhere else in the node's script and the suite's support", async () => {
    const facts = readEnvFile(nodeEnvFile);
    // Addresses, names, chains, kernel settings and ports; folder names are ordinary words.
    const values = Object.entries(facts)
      .filter(([key]) => /ADDRESS|CIDR|RANGE|BRIDGE|NODE_NAME|GUARD|CHAINS|SYSCTLS|PORT/.test(key))
      .flatMap(([, value]) => words(value))
      .flatMap((word) => word.split(/[:=]/).filter((part) => part.length > 3 && !/^(FORWARD|POSTROUTING)$/.test(part)));
    for (const file of ['scripts/harness/node.sh', 'test/support/node.ts']) {
      const text = await readFile(join(repoRoot, file), 'utf8');
      expect(
        values.filter((value) => text.includes(value)),
        `${file} repeats values of node.env`,
      ).toEqual([]);
    }
  });
});
