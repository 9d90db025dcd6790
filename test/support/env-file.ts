import { readFileSync } from 'node:fs';

/**
 * A KEY=value file that bash sources too (scripts/harness/node.env), read in the subset both
 * languages agree on: KEY=word or KEY="words", comments on lines of their own. Any other line
 * is refused, rather than read differently from bash (test/unit/scripts/node-env.test.ts).
 */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"$`\\']*)"|([^\s"$`\\'#]*))$/.exec(line);
    if (!match) throw new Error(`${path}:${index + 1}: not a plain KEY=value or KEY="words" line: ${line}`);
    values[match[1]!] = match[2] ?? match[3]!;
  }
  return values;
}

/** The words of a list value ("a b c"). */
export function words(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}
