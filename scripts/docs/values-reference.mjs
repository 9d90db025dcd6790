// @ts-check
// The values reference (docs/values.md), generated from the `## @section` and `## @param`
// comments of values.yaml, in the Bitnami charts' format:
//   node scripts/docs/values-reference.mjs > docs/values.md     (npm run docs:values)
// test/chart/values-reference.test.ts fails when docs/values.md is not what this prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The value at a dotted key; a segment may itself hold dots (topic names such as
 * `learning.query`), so the longest key that exists wins at each level.
 * @param {unknown} values
 * @param {string} key
 * @returns {{ found: boolean, value?: unknown }}
 */
export function valueAt(values, key) {
  let current = values;
  const parts = key.split('.');
  while (parts.length > 0) {
    if (current === null || typeof current !== 'object') return { found: false };
    const object = /** @type {Record<string, unknown>} */ (current);
    const length = [...parts.keys()]
      .reverse()
      .map((index) => index + 1)
      .find((count) => parts.slice(0, count).join('.') in object);
    if (length === undefined) return { found: false };
    current = object[parts.slice(0, length).join('.')];
    parts.splice(0, length);
  }
  return { found: true, value: current };
}

/** @param {unknown} value */
function formatDefault(value) {
  const json = JSON.stringify(value);
  return json.length <= 60 ? `\`${json}\`` : '(see values.yaml)';
}

/** @param {string} text */
const cell = (text) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * @param {string} text values.yaml
 * @returns {string} markdown
 */
export function valuesReference(text) {
  const values = parse(text);
  /** @type {{ title: string, notes: string[], params: { key: string, description: string }[] }[]} */
  const sections = [];
  let inSectionNotes = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const section = /^## @section (.+)$/.exec(line);
    const param = /^## @param (\S+) (.+)$/.exec(line);
    if (section) {
      sections.push({ title: section[1] ?? '', notes: [], params: [] });
      inSectionNotes = true;
    } else if (param) {
      const [, key = '', description = ''] = param;
      if (!valueAt(values, key).found) throw new Error(`values.yaml: @param ${key} names no value`);
      const current = sections.at(-1);
      if (!current) throw new Error(`values.yaml: @param ${key} comes before any @section`);
      current.params.push({ key, description });
      inSectionNotes = false;
    } else if (inSectionNotes && line.startsWith('## ')) {
      sections.at(-1)?.notes.push(line.slice(3));
    } else {
      inSectionNotes = false;
    }
  }
  const out = [
    '# Values reference',
    '',
    'Generated from the `@param` comments of [values.yaml](../values.yaml) by `npm run docs:values`;',
    'a test fails when this page is out of date. values.yaml has the full defaults and the reasons.',
  ];
  for (const section of sections) {
    out.push('', `## ${section.title}`, '');
    if (section.notes.length > 0) out.push(section.notes.join('\n'), '');
    out.push('| Name | Description | Default |', '|---|---|---|');
    for (const { key, description } of section.params)
      out.push(`| \`${key}\` | ${cell(description)} | ${cell(formatDefault(valueAt(values, key).value))} |`);
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(valuesReference(readFileSync(new URL('../../values.yaml', import.meta.url), 'utf8')));
}
