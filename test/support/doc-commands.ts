import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** A command of a shell block in README.md or docs/, with its page. */
export interface DocumentedCommand {
  page: string;
  command: string;
}

/**
 * Every `helm install` and `helm upgrade` of this chart (`.`) in the shell blocks of README.md and
 * docs/, each on one line (continuations joined), as a user copies it.
 */
export async function documentedHelmCommands(): Promise<DocumentedCommand[]> {
  const pages = [
    'README.md',
    ...(await readdir(join(repoRoot, 'docs'))).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`),
  ];
  const commands: DocumentedCommand[] = [];
  for (const page of pages) {
    const text = await readFile(join(repoRoot, page), 'utf8');
    for (const [, block] of text.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
      for (const line of block!.replace(/\\\n\s*/g, '').split('\n')) {
        const command = line.replace(/\s+#.*$/, '').trim();
        if (/^helm (install|upgrade) /.test(command) && command.split(/\s+/).includes('.')) commands.push({ page, command });
      }
    }
  }
  return commands;
}

/** The seconds of a command's --timeout (Go durations as Helm takes them: 20m, 90s, 1h), or undefined. */
export function timeoutSeconds(command: string): number | undefined {
  const value = /--timeout[= ](\S+)/.exec(command)?.[1];
  if (!value) return undefined;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  return [...value.matchAll(/(\d+)([hms])/g)].reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit!]!, 0);
}
