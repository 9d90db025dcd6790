import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { failure, runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import {
  asSuperuser,
  freshDatabase,
  servicesRoleFor,
  withDatabase,
  type TestDatabase,
  type TestPartRole,
} from '../support/postgresql-server.js';

const server = inject('postgresql');

async function migratedDatabase(migrationsDir = join(repoRoot, 'migrations')): Promise<TestDatabase> {
  const db = await freshDatabase(server);
  const migrated = await runCli(['postgresql-migrate', ...db.flags, '--migrations-dir', migrationsDir]);
  expect(migrated.code, migrated.stdout).toBe(0);
  return db;
}

const rolePart = (role: TestPartRole, admin = true) =>
  runCli(['postgresql-services-role', ...role.flags, ...(admin ? role.adminFlags : []), '--timeout', '10']);

/** Runs `work` connected as the services' role, as a service does. */
const asServices = <T>(db: TestDatabase, role: TestPartRole, work: (client: pg.Client) => Promise<T>) =>
  withDatabase(db, work, { user: role.role, password: role.password });

const insufficientPrivilege = { code: '42501' };

describe("the services' role on a real PostgreSQL: rows of the platform's tables, nothing else", () => {
  it('reads and writes every table, and is refused DDL, TRUNCATE, the migration record and the hooks schema', async () => {
    const db = await migratedDatabase();
    await asSuperuser(server, (client) => client.query(`ALTER ROLE ${db.user} CREATEDB`));
    const role = await servicesRoleFor(server, db);
    const made = await rolePart(role);
    expect(made.code, made.stdout).toBe(0);
    expect(made.lines.find((line) => 'ownerCreatedbRevoked' in line)).toMatchObject({ role: 'created', ownerCreatedbRevoked: true });

    await asServices(db, role, async (client) => {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(
        "INSERT INTO users (email, password_hash, role) VALUES ('svc@learnflow.com', 'x', 'student') RETURNING id",
      );
      await client.query('UPDATE users SET full_name = $2 WHERE id = $1', [rows[0]!.id, 'Service']);
      await client.query('INSERT INTO students (user_id) VALUES ($1)', [rows[0]!.id]);
      await client.query('DELETE FROM users WHERE id = $1', [rows[0]!.id]);
      await client.query('ROLLBACK');
      for (const table of [
        'users',
        'students',
        'teachers',
        'topics',
        'exercises',
        'submissions',
        'progress',
        'chat_history',
        'struggle_alerts',
      ]) {
        await client.query(`SELECT count(*) FROM public.${table}`);
      }
      await expect(client.query('CREATE TABLE public.intruder (id int)')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('ALTER TABLE users ADD COLUMN intruder int')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('DROP TABLE chat_history')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('TRUNCATE topics')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('DELETE FROM pgmigrations')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('SELECT * FROM learnflow_hooks.seed_passwords')).rejects.toMatchObject(insufficientPrivilege);
      await expect(client.query('CREATE SCHEMA intruder')).rejects.toMatchObject(insufficientPrivilege);
    });
    const owner = await asSuperuser(server, async (client) => {
      const { rows } = await client.query<{ rolcreatedb: boolean }>('SELECT rolcreatedb FROM pg_roles WHERE rolname = $1', [db.user]);
      return rows[0];
    });
    expect(owner, 'the owner may no longer create databases').toEqual({ rolcreatedb: false });

    const again = await rolePart(role);
    expect(again.code, again.stdout).toBe(0);
    expect(again.lines.find((line) => 'ownerCreatedbRevoked' in line)).toMatchObject({ role: 'unchanged', ownerCreatedbRevoked: false });
    expect(
      again.lines.some((line) => 'granted' in line),
      'a second run grants nothing',
    ).toBe(false);
  });

  it('covers a table a later migration creates, and takes back a right on the migration record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-migrations-'));
    for (const file of await readdir(join(repoRoot, 'migrations'))) await copyFile(join(repoRoot, 'migrations', file), join(dir, file));
    const db = await migratedDatabase(dir);
    const role = await servicesRoleFor(server, db);
    expect((await rolePart(role)).code).toBe(0);
    await writeFile(
      join(dir, '1799000000000_badges.sql'),
      '-- Up Migration\nCREATE TABLE badges (id serial PRIMARY KEY, name text);\n-- Down Migration\nDROP TABLE badges;\n',
    );
    expect((await runCli(['postgresql-migrate', ...db.flags, '--migrations-dir', dir])).code).toBe(0);
    // The owner's default privileges: the services use the new table before the part runs again.
    await asServices(db, role, (client) => client.query("INSERT INTO badges (name) VALUES ('first') RETURNING id"));

    await withDatabase(db, (client) => client.query(`GRANT SELECT ON pgmigrations TO ${role.role}`));
    const fixed = await rolePart(role);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.lines.find((line) => 'granted' in line)?.['granted']).toEqual([`REVOKE ALL ON public."pgmigrations" FROM "${role.role}"`]);
    await asServices(db, role, async (client) => {
      await expect(client.query('SELECT * FROM pgmigrations')).rejects.toMatchObject(insufficientPrivilege);
    });
  });

  it('names a right too many that it cannot take back itself, from the role', async () => {
    const db = await migratedDatabase();
    const role = await servicesRoleFor(server, db);
    expect((await rolePart(role)).code).toBe(0);
    await asSuperuser(server, (client) => client.query(`GRANT CREATE ON SCHEMA public TO ${role.role}`), db.database);
    const result = await rolePart(role);
    expect(result.code, result.stdout).toBe(2);
    expect(failure(result).msg).toBe(`the services' role ${role.role} is not as declared: it may create objects in public`);
  });

  it('lets concurrent runs queue instead of failing on each other', async () => {
    const db = await migratedDatabase();
    const role = await servicesRoleFor(server, db);
    const results = await Promise.all([rolePart(role), rolePart(role), rolePart(role)]);
    expect(results.map((result) => result.code)).toEqual([0, 0, 0]);
    expect(results.map((result) => result.lines.find((line) => 'ownerCreatedbRevoked' in line)?.['role']).sort()).toEqual([
      'created',
      'unchanged',
      'unchanged',
    ]);
  });

  describe('with an existing PostgreSQL, where whoever runs it makes the role (no superuser password)', () => {
    it('fails naming the role and the SQL until it exists, then grants it as the owner and passes', async () => {
      const db = await migratedDatabase();
      const role = await servicesRoleFor(server, db);
      const missing = await rolePart(role, false);
      expect(missing.code).toBe(2);
      expect(failure(missing).msg).toBe(`role ${role.role} does not exist`);
      expect(failure(missing).hint).toContain(`you make role ${role.role}: docs/postgresql.md`);

      await asSuperuser(server, (client) => client.query(`CREATE ROLE ${role.role} LOGIN PASSWORD '${role.password}'`));
      const made = await rolePart(role, false);
      expect(made.code, made.stdout).toBe(0);
      await asServices(db, role, (client) => client.query('SELECT count(*) FROM topics'));
    });
  });
});
