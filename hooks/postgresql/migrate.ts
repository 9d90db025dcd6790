import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';

/** node-pg-migrate's bookkeeping table. */
export const migrationsTable = 'pgmigrations';

/**
 * Applies the pending migrations of `dir`, all in one transaction. Concurrent runs queue on
 * node-pg-migrate's advisory lock instead of failing. Returns the names of those applied.
 */
export async function migrate(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  return names(await run(client, dir, logger, false));
}

/** The migrations of `dir` not yet applied, without applying them. */
export async function pendingMigrations(client: pg.Client, dir: string, logger: Logger): Promise<string[]> {
  return names(await run(client, dir, logger, true));
}

type RunMigration = Awaited<ReturnType<typeof runner>>[number];

function run(client: pg.Client, dir: string, logger: Logger, dryRun: boolean): Promise<RunMigration[]> {
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

const names = (migrations: readonly RunMigration[]) => migrations.map((migration) => migration.name);
