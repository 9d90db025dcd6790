import { readdir } from 'node:fs/promises';
import { extname } from 'node:path';
import type { runner } from 'node-pg-migrate';
import type pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { withDatabase, type PostgresqlSettings } from './connection.js';

/** node-pg-migrate's bookkeeping table. */
export const migrationsTable = 'pgmigrations';

/** The migrations hook's work: every pending migration applied, in one transaction. */
export async function migrateDatabase(settings: PostgresqlSettings & { migrationsDir: string }, logger: Logger): Promise<void> {
  const { postgresqlHost: host, postgresqlDatabase: database, migrationsDir: dir } = settings;
  logger.info({ host, database, dir }, 'migrating the database');
  const applied = await withDatabase(settings, logger, 'migrating the database', (client) => migrate(client, dir, logger));
  logger.info(
    { applied },
    applied.length === 0 ? 'the schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
}

/**
 * Applies the pending migrations of `dir`, all in one transaction. Concurrent runs queue on
 * node-pg-migrate's advisory lock instead of failing. Returns the names of those applied.
 */
export async function migrate(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  if (await upToDate(client, await migrationFiles(dir))) return [];
  return names(await run(client, dir, logger, false));
}

/** The migrations of `dir` not yet applied, without applying them. */
export async function pendingMigrations(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  if (await upToDate(client, await migrationFiles(dir))) return [];
  return names(await run(client, dir, logger, true));
}

/**
 * The migrations of `dir`: SQL files only. node-pg-migrate imports any other file as code, in a
 * process that holds database passwords, so a script slipped into the mounted ConfigMap is
 * refused before node-pg-migrate is loaded. Dotfiles (a mounted ConfigMap's ..data) are not
 * migrations, to either.
 */
export async function migrationFiles(dir: string): Promise<string[]> {
  const entries = (await readdir(dir)).filter((file) => !file.startsWith('.'));
  const foreign = entries.filter((file) => extname(file).toLowerCase() !== '.sql');
  if (foreign.length > 0) {
    throw new ActionableError(
      `the migrations folder ${dir} holds files that are not SQL migrations: ${foreign.join(', ')}`,
      "migrations are .sql files in the chart's migrations/ folder: remove the others from the migrations ConfigMap " +
        '(helm upgrade puts it back as the chart has it)',
      [],
      ExitCode.invalidInput,
    );
  }
  return entries;
}

/**
 * Whether the database has run exactly the migrations of `entries`, in their order: the no-op of
 * every upgrade, answered with one query and without loading node-pg-migrate (a tenth of a
 * second of module loading, most of it a TypeScript loader for migrations this chart does not
 * write in TypeScript). Anything else (pending, missing, reordered) goes to node-pg-migrate,
 * which applies or refuses it.
 */
async function upToDate(client: pg.Client, entries: readonly string[]): Promise<boolean> {
  // A name this check does not read as one migration per file sends the run to node-pg-migrate.
  if (entries.some((file) => /\.(up|down)\.sql$/i.test(file))) return false;
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
