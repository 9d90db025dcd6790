import pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import {
  adminIdentity,
  asPartRole,
  asSuperuser,
  withDatabase,
  type PostgresqlAdminSettings,
  type PostgresqlSettings,
} from './connection.js';
import { observeLoginRole, planLoginRole, type RoleChange } from './login-role.js';
import { migrationsTable } from './migrate.js';
import { hooksSchema } from './seed.js';

// Two roles for the platform's tables, as CloudNativePG and serious Rails and Django deployments
// split them: the owner (the application user) runs the migrations and the seeds and owns every
// table; the services' role reads and writes rows and nothing else. SQL injection in a service
// then cannot change the schema, the migration record or the hooks' own schema, nor create a database.

/** The services' role the part keeps (the --services-* options), and the superuser who makes it, if given. */
export interface ServicesRoleSettings extends PostgresqlSettings, PostgresqlAdminSettings {
  servicesUser: string;
  servicesPasswordFile: string;
  servicesPasswordSecret: string;
}

const madeElsewhere = (role: string) =>
  "without the superuser's password (an existing PostgreSQL, or postgresql.auth.enablePostgresUser=false) " +
  `you make role ${role}: docs/postgresql.md gives the SQL`;

/**
 * The services role part's work: with a superuser's password, the role made as declared (and the
 * owner kept from creating databases); then its rights granted by the tables' owner; then the
 * role checked from itself.
 */
export async function reconcileServicesRole(settings: ServicesRoleSettings, logger: Logger): Promise<void> {
  const spec: ServicesRoleSpec = { role: settings.servicesUser, owner: settings.postgresqlUser };
  const identity = { user: spec.role, passwordFile: settings.servicesPasswordFile, passwordSecret: settings.servicesPasswordSecret };
  const admin = adminIdentity(settings);
  const outcome = await asSuperuser(settings, logger, "making the services' role", identity, admin, (client, password) =>
    provisionServicesRole(client, spec, password),
  );
  if (outcome) {
    logger.info(
      outcome,
      `role ${spec.role} ${outcome.role}` + (outcome.ownerCreatedbRevoked ? `; ${spec.owner} may no longer create databases` : ''),
    );
  }
  const { roleExists, granted } = await withDatabase(settings, logger, "granting the services' role", (client) =>
    grantServicesRole(client, spec),
  );
  if (!roleExists) {
    throw new ActionableError(`role ${spec.role} does not exist`, madeElsewhere(spec.role), [], ExitCode.invalidInput);
  }
  if (granted.length > 0) logger.info({ granted }, `granted role ${spec.role} what it lacked: ${granted.length} statement(s)`);
  const problems = await asPartRole(
    settings,
    logger,
    "checking the services' role",
    identity,
    admin,
    madeElsewhere(spec.role),
    servicesRoleProblems,
  );
  if (problems.length > 0) {
    throw new ActionableError(
      `the services' role ${spec.role} is not as declared: ${problems.join('; ')}`,
      'someone outside the chart changed it: docs/postgresql.md says what the role may do; revoke the rest, or drop it and upgrade again',
      [],
      ExitCode.invalidInput,
    );
  }
  logger.info({ role: spec.role }, `the services' role is as declared: ${spec.role} reads and writes the platform's rows, nothing else`);
}

/** The services' role and the owner whose tables it uses. */
export interface ServicesRoleSpec {
  role: string;
  owner: string;
}

/** The rights the services' role has on every table of the platform, and on every sequence. */
const tableRights = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
const sequenceRights = ['USAGE', 'SELECT'] as const;

/** Serialises concurrent runs of the part (pg_advisory_xact_lock's key), as the superuser and as the owner. */
export const servicesRoleLock = 0x1ea45e7;

export interface ServicesRoleOutcome {
  role: RoleChange;
  /** Whether the owner could create databases, and now cannot. */
  ownerCreatedbRevoked: boolean;
}

/**
 * Makes the services' role a login role with `password`, and takes CREATEDB from the owner (the
 * Bitnami chart gives it): as a superuser, whose session pins its search_path (connection.ts).
 */
export async function provisionServicesRole(admin: pg.Client, spec: ServicesRoleSpec, password: string): Promise<ServicesRoleOutcome> {
  return inTransaction(admin, async () => {
    const login = planLoginRole(spec.role, await observeLoginRole(admin, spec.role), password);
    const { rows } = await admin.query<{ createdb: boolean }>(
      'SELECT rolcreatedb AS createdb FROM pg_catalog.pg_roles WHERE rolname = $1',
      [spec.owner],
    );
    const ownerCreatedbRevoked = rows[0]?.createdb === true;
    const statements = [...login.statements, ...(ownerCreatedbRevoked ? [`ALTER ROLE ${pg.escapeIdentifier(spec.owner)} NOCREATEDB`] : [])];
    for (const statement of statements) await admin.query(statement);
    return { role: login.change, ownerCreatedbRevoked };
  });
}

/** What the owner sees of the role's rights in public. */
export interface ObservedGrants {
  roleExists: boolean;
  schemaUsage: boolean;
  /** The platform's tables (every table in public but the migration record), and whether the role has all its rights on each. */
  tables: readonly { name: string; granted: boolean }[];
  sequences: readonly { name: string; granted: boolean }[];
  /** Whether tables and sequences the owner makes later in public are granted as they are made. */
  defaultTables: boolean;
  defaultSequences: boolean;
  /** The migration record's table and sequence, where the role holds a right. */
  bookkeeping: readonly string[];
}

/** The statements that give the role what `observed` lacks, and take back what it must not have. Pure. */
export function planServicesGrants(spec: ServicesRoleSpec, observed: ObservedGrants): string[] {
  const role = pg.escapeIdentifier(spec.role);
  const owner = pg.escapeIdentifier(spec.owner);
  const table = (name: string) => `public.${pg.escapeIdentifier(name)}`;
  return [
    ...(observed.schemaUsage ? [] : [`GRANT USAGE ON SCHEMA public TO ${role}`]),
    ...observed.tables.filter((t) => !t.granted).map((t) => `GRANT ${tableRights.join(', ')} ON TABLE ${table(t.name)} TO ${role}`),
    ...observed.sequences
      .filter((s) => !s.granted)
      .map((s) => `GRANT ${sequenceRights.join(', ')} ON SEQUENCE ${table(s.name)} TO ${role}`),
    ...(observed.defaultTables
      ? []
      : [`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${tableRights.join(', ')} ON TABLES TO ${role}`]),
    ...(observed.defaultSequences
      ? []
      : [`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT ${sequenceRights.join(', ')} ON SEQUENCES TO ${role}`]),
    ...observed.bookkeeping.map((name) => `REVOKE ALL ON ${table(name)} FROM ${role}`),
  ];
}

/**
 * Gives the role its rights on the platform's tables, as their owner, in one transaction that
 * concurrent runs queue on; returns the statements run (none when all holds). The role must exist.
 */
export async function grantServicesRole(owner: pg.Client, spec: ServicesRoleSpec): Promise<{ roleExists: boolean; granted: string[] }> {
  return inTransaction(owner, async () => {
    const observed = await observeGrants(owner, spec);
    if (!observed.roleExists) return { roleExists: false, granted: [] };
    const statements = planServicesGrants(spec, observed);
    for (const statement of statements) await owner.query(statement);
    return { roleExists: true, granted: statements };
  });
}

async function observeGrants(client: pg.Client, spec: ServicesRoleSpec): Promise<ObservedGrants> {
  const all = (rights: readonly string[], check: string) => rights.map((right) => `${check}($1, c.oid, '${right}')`).join(' AND ');
  const { rows: exists } = await client.query('SELECT FROM pg_catalog.pg_roles WHERE rolname = $1', [spec.role]);
  if (exists.length === 0) {
    return {
      roleExists: false,
      schemaUsage: false,
      tables: [],
      sequences: [],
      defaultTables: false,
      defaultSequences: false,
      bookkeeping: [],
    };
  }
  const { rows: relations } = await client.query<{ name: string; kind: string; granted: boolean; bookkeeping: boolean; held: boolean }>(
    `SELECT c.relname AS name, c.relkind AS kind,
            CASE c.relkind WHEN 'S' THEN ${all(sequenceRights, 'pg_catalog.has_sequence_privilege')}
                           ELSE ${all(tableRights, 'pg_catalog.has_table_privilege')} END AS granted,
            c.relname = $2 OR EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                                        WHERE d.objid = c.oid AND d.deptype = 'a' AND t.relname = $2) AS bookkeeping,
            EXISTS (SELECT FROM pg_catalog.aclexplode(c.relacl) a JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
                     WHERE r.rolname = $1) AS held
       FROM pg_catalog.pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S')
      ORDER BY c.relname`,
    [spec.role, migrationsTable],
  );
  const { rows: defaults } = await client.query<{ usage: boolean; default_tables: boolean; default_sequences: boolean }>(
    `SELECT pg_catalog.has_schema_privilege($1, 'public', 'USAGE') AS usage,
            ${defaultGranted("'r'", tableRights)} AS default_tables,
            ${defaultGranted("'S'", sequenceRights)} AS default_sequences`,
    [spec.role, spec.owner],
  );
  const platform = relations.filter((relation) => !relation.bookkeeping);
  return {
    roleExists: true,
    schemaUsage: defaults[0]!.usage,
    tables: platform.filter((relation) => relation.kind !== 'S').map(({ name, granted }) => ({ name, granted })),
    sequences: platform.filter((relation) => relation.kind === 'S').map(({ name, granted }) => ({ name, granted })),
    defaultTables: defaults[0]!.default_tables,
    defaultSequences: defaults[0]!.default_sequences,
    bookkeeping: relations.filter((relation) => relation.bookkeeping && relation.held).map((relation) => relation.name),
  };
}

/** Whether the owner's default privileges in public give the role every one of `rights` on objects of `type`. */
function defaultGranted(type: string, rights: readonly string[]): string {
  return `(SELECT count(DISTINCT a.privilege_type) = ${rights.length}
             FROM pg_catalog.pg_default_acl d, pg_catalog.aclexplode(d.defaclacl) a
            WHERE d.defaclrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2)
              AND d.defaclnamespace = 'public'::regnamespace AND d.defaclobjtype = ${type}
              AND a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
              AND a.privilege_type IN (${rights.map((right) => `'${right}'`).join(', ')}))`;
}

/**
 * What keeps the services' role from being what it should, seen from the role itself (so its
 * password is proven too): a right missing on a platform table, any right beyond rows (creating
 * objects in public or a database, the migration record, the hooks' schema), or an attribute.
 */
export async function servicesRoleProblems(asRole: pg.Client): Promise<string[]> {
  const { rows: missing } = await asRole.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> $1
        AND NOT (${tableRights.map((right) => `pg_catalog.has_table_privilege(c.oid, '${right}')`).join(' AND ')})
      ORDER BY 1`,
    [migrationsTable],
  );
  const { rows } = await asRole.query<{
    create_in_public: boolean;
    create_database: boolean;
    migrations: boolean;
    hooks_schema: boolean;
    attributes: string[];
  }>(
    `SELECT pg_catalog.has_schema_privilege('public', 'CREATE') AS create_in_public,
            pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS create_database,
            COALESCE(pg_catalog.has_table_privilege(pg_catalog.to_regclass('public.' || pg_catalog.quote_ident($1)),
                     'SELECT, INSERT, UPDATE, DELETE, TRUNCATE'), false) AS migrations,
            COALESCE((SELECT pg_catalog.has_schema_privilege(n.oid, 'USAGE') FROM pg_catalog.pg_namespace n WHERE n.nspname = $2), false)
              AS hooks_schema,
            ARRAY(SELECT attribute FROM pg_catalog.pg_roles r,
                    LATERAL (VALUES ('superuser', r.rolsuper), ('createdb', r.rolcreatedb), ('createrole', r.rolcreaterole),
                                    ('replication', r.rolreplication), ('bypassrls', r.rolbypassrls)) AS a(attribute, held)
                   WHERE r.rolname = current_user AND held) AS attributes`,
    [migrationsTable, hooksSchema],
  );
  const found = rows[0]!;
  return [
    ...(missing.length > 0 ? [`it lacks ${tableRights.join(', ')} on ${missing.map((row) => `public.${row.name}`).join(', ')}`] : []),
    ...(found.create_in_public ? ['it may create objects in public'] : []),
    ...(found.create_database ? ['it may create schemas in the database'] : []),
    ...(found.migrations ? [`it has rights on the migration record public.${migrationsTable}`] : []),
    ...(found.hooks_schema ? [`it may use the hooks' schema ${hooksSchema}`] : []),
    ...found.attributes.map((attribute) => `it has the attribute ${attribute}`),
  ];
}

async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_catalog.pg_advisory_xact_lock($1::bigint)', [servicesRoleLock]);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
