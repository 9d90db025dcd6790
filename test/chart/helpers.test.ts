import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

/**
 * Each helper of templates/: its name, the comment just above its define (empty when none) and
 * its body (up to the next comment or define at the start of a line).
 */
async function helpers(): Promise<{ file: string; name: string; comment: string; body: string }[]> {
  const files = (await readdir(join(repoRoot, 'templates'), { recursive: true })).filter((file) => file.endsWith('.tpl'));
  const found = [];
  for (const file of files.sort()) {
    const text = await readFile(join(repoRoot, 'templates', file), 'utf8');
    const pattern =
      /(?:\{\{\/\*((?:(?!\*\/\}\}).)*?)\*\/\}\}\n)?\{\{- define "([^"]+)" -\}\}(.*?)(?=^\{\{\/\*|^\{\{- define |(?![\s\S]))/gms;
    for (const match of text.matchAll(pattern)) found.push({ file, name: match[2]!, comment: match[1] ?? '', body: match[3]! });
  }
  return found;
}

describe('the helpers of templates/', () => {
  it('each say how they are used: a Usage line naming the helper, above it or above the helper it pairs with', async () => {
    const all = await helpers();
    expect(all.length).toBeGreaterThan(40);
    const documented = all.map((helper) => helper.comment).join('\n');
    const undocumented = all.filter((helper) => !new RegExp(`Usage: .*include "${helper.name.replaceAll('.', '\\.')}"`).test(documented));
    expect(undocumented.map((helper) => `${helper.file}: ${helper.name}`)).toEqual([]);
  });

  it('leave failing to learnflow.validateValues, which reports every problem at once', async () => {
    const failing = (await helpers()).filter((helper) => /\bfail\b/.test(helper.body)).map((helper) => helper.name);
    expect(failing).toEqual(['learnflow.validateValues']);
  });
});
