import { readdir } from 'node:fs/promises';
import { extname } from 'node:path';
import type { runner } from 'node-pg-migrate';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';

/** node-pg-migrate's bookkeeping table. */
export const migrationsTable = 'pgmigrations';

/**
 * Applies the pending migrations of `dir`, all in one transaction. Concurrent runs queue on
 * node-pg-migrate's advisory lock instead of failing. Returns the names of those applied.
 */
export async function migrate(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  if (await upToDate(client, dir)) return [];
  return names(await run(client, dir, logger, false));
}

/** The migrations of `dir` not yet applied, without applying them. */
export async function pendingMigrations(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  if (await upToDate(client, dir)) return [];
  return names(await run(client, dir, logger, true));
}

/**
 * Whether the database has run exactly the migrations of `dir`, in their order: the no-op of
 * every upgrade, answered with one query and without loading node-pg-migrate (a tenth of a
 * second of module loading, most of it a TypeScript loader for migrations this chart does not
 * write in TypeScript). Anything else (pending, missing, reordered) goes to node-pg-migrate,
 * which applies or refuses it.
 */
async function upToDate(client: pg.Client, dir: string): Promise<boolean> {
  // node-pg-migrate reads every file but dotfiles (a mounted ConfigMap's ..data among them); a
  // name this check does not read as one migration per file sends the run to node-pg-migrate.
  const entries = (await readdir(dir)).filter((file) => !file.startsWith('.'));
  if (entries.some((file) => extname(file).toLowerCase() !== '.sql' || /\.(up|down)\.sql$/i.test(file))) return false;
  const files = entries.map((file) => file.slice(0, -'.sql'.length)).sort();
  let ran: string[];
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM public.${migrationsTable} ORDER BY run_on, id`);
    ran = rows.map((row) => row.name);
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return false; // undefined_table: a new database
    throw error;
  }
  return ran.length === files.length && ran.every((name, index) => name === files[index]);
}

async function run(client: pg.Client, dir: string, logger: Logger, dryRun: boolean): Promise<RunMigration[]> {
  const { runner } = await import('node-pg-migrate');
  return runner({
    dbClient: client,
    dir,
    direction: 'up',
    count: Infinity,
    migrationsTable,
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    dryRun,
    logger: {
      debug: (message: string) => logger.debug({ migrations: true }, message),
      info: (message: string) => logger.debug({ migrations: true }, message),
      warn: (message: string) => logger.warn({ migrations: true }, message),
      error: (message: string) => logger.error({ migrations: true }, message),
    },
  });
}

type RunMigration = Awaited<ReturnType<typeof runner>>[number];

const names = (migrations: readonly RunMigration[]) => migrations.map((migration) => migration.name);
