import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployCliPath, repoRoot } from '../support/paths.js';
import { runOk } from '../support/process.js';

async function pages(): Promise<string[]> {
  return ['README.md', ...(await readdir(join(repoRoot, 'docs'))).filter((file) => file.endsWith('.md')).map((file) => join('docs', file))];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
}

async function anchorsOf(file: string): Promise<Set<string>> {
  const text = await readFile(join(repoRoot, file), 'utf8');
  return new Set([...text.replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)].map((match) => anchor(match[1]!)));
}

describe('the documentation', () => {
  it('links only to files and headings that exist', async () => {
    const broken: string[] = [];
    for (const page of await pages()) {
      const text = (await readFile(join(repoRoot, page), 'utf8')).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [path, hash] = target!.split('#');
        const file = path ? relative(repoRoot, join(repoRoot, dirname(page), path)) : page;
        if (!existsSync(join(repoRoot, file))) broken.push(`${page}: ${target} (no file ${file})`);
        else if (hash && file.endsWith('.md') && !(await anchorsOf(file)).has(hash))
          broken.push(`${page}: ${target} (no heading #${hash} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("gives commands that exist: npm scripts, the deploy command's options, and the repository's files", { timeout: 60_000 }, async () => {
    const scripts = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const help = new Map<string, string>();
    const helpOf = async (command: string) => {
      if (!help.has(command)) help.set(command, (await runOk(process.execPath, [deployCliPath, command, '--help'])).stdout);
      return help.get(command)!;
    };
    const wrong: string[] = [];
    for (const page of await pages()) {
      const text = await readFile(join(repoRoot, page), 'utf8');
      const blocks = [...text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)].map((match) => match[1]!);
      for (const line of blocks.flatMap((block) => block.split('\n'))) {
        const npm = /^npm run (\S+)(?: -- (.*))?/.exec(line.trim());
        if (npm) {
          const [, script, args = ''] = npm;
          if (!scripts[script!]) wrong.push(`${page}: npm run ${script} (no such script)`);
          else if (['up', 'verify', 'status', 'down'].includes(script!)) {
            for (const [flag] of args.replace(/#.*$/, '').matchAll(/--[\w-]+/g))
              if (!(await helpOf(script!)).includes(flag)) wrong.push(`${page}: ${line.trim()} (${script} has no ${flag})`);
          }
        }
      }
      const repositoryPath = /`((?:scripts|profiles|docs|templates|migrations|seeds|deploy|hooks|examples|test)\/[\w./-]+)`/g;
      for (const [, path] of text.matchAll(repositoryPath)) {
        if (!existsSync(join(repoRoot, path!))) wrong.push(`${page}: ${path} does not exist`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
