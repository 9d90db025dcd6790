import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../../hooks/postgresql/schema.js';
import { bcryptCost } from '../../hooks/postgresql/seed.js';
import { contract, createdTables } from '../../scripts/docs/contract.mjs';
import { repoRoot } from '../support/paths.js';

const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

async function migrations(): Promise<string[]> {
  const files = (await readdir(join(repoRoot, 'migrations'))).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(files.map((file) => read(join('migrations', file))));
}

describe('the data contract (docs/contract.md)', () => {
  it('is what values.yaml, migrations/ and seeds/ say (npm run docs:contract)', async () => {
    const generated = contract({
      values: await read('values.yaml'),
      migrations: await migrations(),
      topicSeeds: await read('seeds/topics.json'),
      userSeeds: await read('seeds/test-users.json'),
      bcryptCost,
    });
    expect(await read('docs/contract.md'), 'run npm run docs:contract').toBe(generated);
  });

  it('lists the tables and columns the PostgreSQL check expects, no more and no fewer', async () => {
    const tables = createdTables(await migrations());
    const fromMigrations = Object.fromEntries(tables.map((table) => [table.name, table.columns.map((column) => column.name)]));
    expect(fromMigrations).toEqual(expectedTables);
  });
});
