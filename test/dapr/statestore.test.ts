import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { failure, runCli } from '../support/cli.js';
import { platformTables } from '../support/contract.js';
import {
  asSuperuser,
  statestoreFor,
  freshDatabase,
  withDatabase,
  type TestDatabase,
  type TestPartRole,
} from '../support/postgresql-server.js';

const server = inject('postgresql');

async function migratedDatabase(): Promise<TestDatabase> {
  const db = await freshDatabase(server);
  const migrated = await runCli(['postgresql-migrate', ...db.flags]);
  expect(migrated.code, migrated.stdout).toBe(0);
  return db;
}

const storePart = (store: TestPartRole, admin = true) =>
  runCli(['dapr-statestore', ...store.flags, ...(admin ? store.adminFlags : []), '--timeout', '10']);

/** Runs `work` connected as the store's role with `password`. */
const asStore = <T>(db: TestDatabase, store: TestPartRole, work: (client: pg.Client) => Promise<T>, password = store.password) =>
  withDatabase(db, work, { user: store.role, password });

const summary = (result: Awaited<ReturnType<typeof runCli>>) => result.lines.find((line) => line['role'] !== undefined && 'moved' in line);

describe('the Dapr state store in its own schema, as its own role, on a real PostgreSQL', () => {
  it('makes the role and the schema it owns; the role is refused on the platform tables; a second run changes nothing', async () => {
    const db = await migratedDatabase();
    const store = await statestoreFor(server, db);
    const first = await storePart(store);
    expect(first.code, first.stdout).toBe(0);
    expect(summary(first)).toMatchObject({ role: 'created', schema: 'created', moved: [] });

    await asStore(db, store, async (client) => {
      await client.query('CREATE TABLE dapr.probe (key text PRIMARY KEY)');
      for (const table of ['users', 'topics', 'progress']) {
        await expect(client.query(`SELECT * FROM public.${table}`), table).rejects.toMatchObject({ code: '42501' });
      }
      await expect(client.query('CREATE TABLE public.intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    });
    const attributes = await asSuperuser(server, async (client) => {
      const { rows } = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolpassword: string }>(
        'SELECT rolsuper, rolcreaterole, rolcreatedb, rolpassword FROM pg_authid WHERE rolname = $1',
        [store.role],
      );
      return rows[0]!;
    });
    expect(attributes).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    expect(attributes.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);

    const second = await storePart(store);
    expect(second.code, second.stdout).toBe(0);
    expect(summary(second)).toMatchObject({ role: 'unchanged', schema: 'unchanged', moved: [] });
    // The store's own tables are not touched by a run.
    await asStore(db, store, (client) => client.query('SELECT * FROM dapr.probe'));
    // A right someone granted the role on a platform table is taken back by the next run.
    await withDatabase(db, (client) => client.query(`GRANT SELECT ON users TO ${store.role}`));
    const third = await storePart(store);
    expect(third.code, third.stdout).toBe(0);
    await asStore(db, store, async (client) => {
      await expect(client.query('SELECT * FROM public.users')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('moves the state tables an earlier release made in public, rows and all, and hands them to the role', async () => {
    const db = await migratedDatabase();
    await withDatabase(db, async (client) => {
      await client.query('CREATE TABLE dapr_state (key text PRIMARY KEY, value jsonb NOT NULL)');
      await client.query('CREATE TABLE dapr_metadata (key text PRIMARY KEY, value text NOT NULL)');
      await client.query(`INSERT INTO dapr_state VALUES ('learner||session-1', '{"step": 3}'), ('learner||session-2', '{"step": 7}')`);
      await client.query(`INSERT INTO dapr_metadata VALUES ('migrations', '2')`);
    });
    const store = await statestoreFor(server, db);
    const result = await storePart(store);
    expect(result.code, result.stdout).toBe(0);
    expect(summary(result)).toMatchObject({ role: 'created', moved: ['dapr_state', 'dapr_metadata'] });

    const rows = await asStore(
      db,
      store,
      async (client) => (await client.query<{ key: string; value: unknown }>('SELECT key, value FROM dapr.dapr_state ORDER BY key')).rows,
    );
    expect(rows).toEqual([
      { key: 'learner||session-1', value: { step: 3 } },
      { key: 'learner||session-2', value: { step: 7 } },
    ]);
    const left = await withDatabase(db, async (client) => {
      const { rows: tables } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'pgmigrations' ORDER BY 1",
      );
      return tables.map((table) => table.table_name);
    });
    expect(left, `the ${platformTables.length} tables stand alone in public`).toEqual([...platformTables].sort());
  });

  it('calls no function the application role planted in public as the superuser; the store role searches no public', async () => {
    const db = await migratedDatabase();
    // The application role owns public: a function there that matches an untyped argument better
    // than the catalog's would run with the rights of whoever calls it.
    await withDatabase(db, async (client) => {
      await client.query(
        `CREATE FUNCTION public.pg_advisory_xact_lock(key text) RETURNS void LANGUAGE sql AS $$ ALTER ROLE ${db.user} SUPERUSER $$`,
      );
    });
    const store = await statestoreFor(server, db);
    const result = await storePart(store);
    expect(result.code, result.stdout).toBe(0);
    const escalated = await asSuperuser(server, async (client) => {
      const { rows } = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_authid WHERE rolname = $1', [db.user]);
      return rows[0];
    });
    expect(escalated).toEqual({ rolsuper: false });
    const searchPath = await asStore(
      db,
      store,
      async (client) => (await client.query<{ search_path: string }>('SHOW search_path')).rows[0],
    );
    expect(searchPath).toEqual({ search_path: 'dapr, pg_catalog' });
  });

  it("refuses to hand over tables in public that 0.1.x's user did not make, or with a trigger, rule or policy, naming each", async () => {
    const db = await migratedDatabase();
    const other = `other_${db.database.replace(/^learnflow_/, '')}`;
    await withDatabase(db, async (client) => {
      await client.query('CREATE TABLE dapr_state (key text PRIMARY KEY, value jsonb NOT NULL)');
      await client.query('CREATE FUNCTION public.copy_state() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$');
      await client.query('CREATE TRIGGER copy_state BEFORE INSERT ON dapr_state FOR EACH ROW EXECUTE FUNCTION public.copy_state()');
    });
    await asSuperuser(server, (client) => client.query(`CREATE ROLE ${other}`));
    await asSuperuser(
      server,
      (client) =>
        client.query(`CREATE TABLE public.dapr_metadata (key text PRIMARY KEY); ALTER TABLE public.dapr_metadata OWNER TO ${other}`),
      db.database,
    );
    const store = await statestoreFor(server, db);
    const result = await storePart(store);
    expect(result.code, result.stdout).toBe(2);
    expect(failure(result).msg).toContain('public.dapr_state: it has trigger copy_state');
    expect(failure(result).msg).toContain(`public.dapr_metadata: it is owned by ${other}, not ${db.user}`);
    expect(failure(result).hint).toContain('docs/upgrade.md');
    const stillInPublic = await asSuperuser(
      server,
      async (client) => {
        const { rows } = await client.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'dapr%' ORDER BY 1",
        );
        return rows.map((row) => row.name);
      },
      db.database,
    );
    expect(stillInPublic).toEqual(['dapr_metadata', 'dapr_state']);
  });

  it('keeps both copies when public and the schema hold the same table, and says so', async () => {
    const db = await migratedDatabase();
    const store = await statestoreFor(server, db);
    expect((await storePart(store)).code).toBe(0);
    await asStore(db, store, (client) =>
      client.query("CREATE TABLE dapr.dapr_state (key text PRIMARY KEY); INSERT INTO dapr.dapr_state VALUES ('new')"),
    );
    await withDatabase(db, (client) =>
      client.query("CREATE TABLE dapr_state (key text PRIMARY KEY); INSERT INTO dapr_state VALUES ('old')"),
    );
    const result = await storePart(store);
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((line) => line.level === 'warn')?.msg).toContain('public and dapr both hold dapr_state');
    expect(
      await withDatabase(db, async (client) => (await client.query<{ key: string }>('SELECT key FROM public.dapr_state')).rows),
    ).toEqual([{ key: 'old' }]);
  });

  it('sets a changed password as a verifier, and the old one stops working', async () => {
    const db = await migratedDatabase();
    const store = await statestoreFor(server, db);
    expect((await storePart(store)).code).toBe(0);
    const file = store.flags[store.flags.indexOf('--statestore-password-file') + 1]!;
    const rotated = { ...store, password: 'rotated-password-2' };
    await writeFile(file, rotated.password);
    const result = await storePart(rotated);
    expect(result.code, result.stdout).toBe(0);
    expect(summary(result)).toMatchObject({ role: 'updated' });
    await asStore(db, rotated, (client) => client.query('SELECT 1'));
    await expect(asStore(db, store, (client) => client.query('SELECT 1'))).rejects.toMatchObject({ code: '28P01' });
  });

  it('lets concurrent runs queue instead of failing on each other', async () => {
    const db = await migratedDatabase();
    const store = await statestoreFor(server, db);
    const results = await Promise.all([storePart(store), storePart(store), storePart(store)]);
    expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
    expect(results.map((result) => summary(result)?.['role']).sort()).toEqual(['created', 'unchanged', 'unchanged']);
  });

  describe('with an existing PostgreSQL, where whoever runs it makes the role (no superuser password)', () => {
    it('names the role it cannot log in as, the key its password comes from and where the SQL is', async () => {
      const db = await migratedDatabase();
      const store = await statestoreFor(server, db);
      const result = await storePart(store, false);
      expect(result.code).toBe(1);
      expect(failure(result).msg).toContain(`PostgreSQL rejected the password of user ${store.role}`);
      expect(failure(result).hint).toContain(`you make role ${store.role}, its schema and the move of earlier state: docs/dapr.md`);
    });

    it('passes on a role and schema made as docs/dapr.md says, and fails on state left in public or rights on users', async () => {
      const db = await migratedDatabase();
      const store = await statestoreFor(server, db);
      await asSuperuser(server, (client) => client.query(`CREATE ROLE ${store.role} LOGIN PASSWORD '${store.password}'`));
      await asSuperuser(server, (client) => client.query(`CREATE SCHEMA dapr AUTHORIZATION ${store.role}`), db.database);
      const ok = await storePart(store, false);
      expect(ok.code, ok.stdout).toBe(0);

      await withDatabase(db, async (client) => {
        await client.query('CREATE TABLE dapr_state (key text PRIMARY KEY)');
        await client.query(`GRANT SELECT ON users TO ${store.role}`);
      });
      const bad = await storePart(store, false);
      expect(bad.code).toBe(2);
      expect(failure(bad).msg).toContain('state is still in public.dapr_state');
      expect(failure(bad).msg).toContain(`role ${store.role} has rights on the platform's table(s) public.users`);
      expect(failure(bad).hint).toContain('docs/dapr.md');
    });
  });
});
