import pg from 'pg';
import { ActionableError, ExitCode } from '../../common/errors.js';
import type { Logger } from '../lib/logger.js';
import { adminIdentity, asPartRole, asSuperuser, type PostgresqlAdminSettings, type PostgresqlSettings } from '../postgresql/connection.js';
import { observeLoginRole, planLoginRole, type ObservedLoginRole, type RoleChange } from '../postgresql/login-role.js';

// The Dapr state store's place in the database: a role of its own that owns a schema of its own,
// where the state store keeps its tables, with no rights on the platform's tables in public
// (docs/dapr.md). Like CloudNativePG's declarative roles: what is declared is made so, and what
// was there is kept; tables the state store made in public before 0.2.0 are moved, not copied.

/** The state store's role, schema and tables (the --statestore-* options), and the superuser who makes them, if given. */
export interface StatestoreSettings extends PostgresqlSettings, PostgresqlAdminSettings {
  statestoreUser: string;
  statestoreSchema: string;
  statestoreTables: string[];
  statestorePasswordFile: string;
  statestorePasswordSecret: string;
}

/**
 * The Dapr state store part's work: with a superuser's password, the role, its schema and its tables
 * made as declared; then, either way, the store checked from its own role.
 */
export async function reconcileStatestore(settings: StatestoreSettings, logger: Logger): Promise<void> {
  const spec: StatestoreSpec = {
    role: settings.statestoreUser,
    schema: settings.statestoreSchema,
    tables: settings.statestoreTables,
    earlierOwner: settings.postgresqlUser,
  };
  const store = { user: spec.role, passwordFile: settings.statestorePasswordFile, passwordSecret: settings.statestorePasswordSecret };
  const admin = adminIdentity(settings);
  const outcome = await asSuperuser(settings, logger, 'making the Dapr state store', store, admin, (client, password) =>
    provisionStatestore(client, spec, password),
  );
  if (outcome) {
    logger.info(
      outcome,
      `role ${spec.role} ${outcome.role}, schema ${spec.schema} ${outcome.schema}` +
        (outcome.moved.length > 0 ? `; moved ${outcome.moved.map((table) => `public.${table}`).join(', ')} there, state and all` : ''),
    );
    if (outcome.leftInPublic.length > 0) {
      logger.warn(
        { leftInPublic: outcome.leftInPublic },
        `public and ${spec.schema} both hold ${outcome.leftInPublic.join(', ')}: the state store uses ${spec.schema}'s; ` +
          "public's are kept, for you to merge or drop (docs/upgrade.md)",
      );
    }
  }
  const madeElsewhere =
    "without the superuser's password (an existing PostgreSQL, or postgresql.auth.enablePostgresUser=false) " +
    `you make role ${spec.role}, its schema and the move of earlier state: docs/dapr.md gives the SQL`;
  const problems = await asPartRole(settings, logger, 'checking the Dapr state store', store, admin, madeElsewhere, (client) =>
    statestoreProblems(client, spec),
  );
  if (problems.length > 0) {
    throw new ActionableError(
      `the Dapr state store's place in the database is not as declared: ${problems.join('; ')}`,
      admin ? 'something outside the chart changed it after the hook ran; docs/dapr.md says what the role may do' : madeElsewhere,
      [],
      ExitCode.invalidInput,
    );
  }
  logger.info(
    { role: spec.role, schema: spec.schema },
    `the Dapr state store is as declared: role ${spec.role} owns schema ${spec.schema}`,
  );
}

/** The declared store: its role, its schema, and the tables the state store keeps there. */
export interface StatestoreSpec {
  role: string;
  schema: string;
  tables: readonly string[];
  /** Who made the tables 0.1.x left in public (its state store connected as the application user): only theirs are moved. */
  earlierOwner: string;
}

/** What the database holds of the store, as a superuser sees it. */
export interface ObservedStore {
  role?: ObservedLoginRole;
  schemaOwner?: string;
  /** The store's tables found in public or in its schema. */
  tables: readonly StoreTable[];
  /** Whether the role may connect to the database. */
  canConnect?: boolean;
  /** Tables in public on which the role holds a right granted to it by name. */
  grantedInPublic?: readonly string[];
}

export interface StoreTable {
  schema: string;
  name: string;
  owner: string;
  /** What would run as whoever writes to the table: its triggers, rules and row security policies, in words. */
  hazards?: readonly string[];
}

export interface StatestoreOutcome {
  role: RoleChange;
  schema: 'created' | 'owner set' | 'unchanged';
  /** Tables moved from public into the store's schema, their state with them. */
  moved: string[];
  /** Tables found in both: the store's is used, public's is kept for a person to look at. */
  leftInPublic: string[];
}

/** Serialises concurrent runs of the part (pg_advisory_xact_lock's key). */
export const statestoreLock = 0x1ea4d5a;

/** The role's own search_path: its schema, then the catalog; never public, where the application role may plant functions. */
const roleSearchPath = (schema: string) => [schema, 'pg_catalog'];

/**
 * Why a table left in public may not be handed to the role: one the earlier release did not make,
 * or one that would run someone else's code as the role (a trigger, a rule, a row security policy).
 */
function handOverRefusal(table: StoreTable, spec: StatestoreSpec): string | undefined {
  const reasons = [
    ...(table.owner === spec.earlierOwner ? [] : [`it is owned by ${table.owner}, not ${spec.earlierOwner}, who made 0.1.x's`]),
    ...(table.hazards ?? []),
  ];
  return reasons.length > 0 ? `public.${table.name}: ${reasons.join('; ')}` : undefined;
}

/**
 * The statements that make the database hold `spec`, given what it holds, and what they do.
 * Pure: statements that find nothing to do are not planned.
 */
export function planStatestore(
  spec: StatestoreSpec,
  observed: ObservedStore,
  password: string,
  database: string,
): { statements: string[]; outcome: StatestoreOutcome; refusals: string[] } {
  const role = pg.escapeIdentifier(spec.role);
  const schema = pg.escapeIdentifier(spec.schema);
  const login = planLoginRole(spec.role, observed.role, password, roleSearchPath(spec.schema));
  const statements = login.statements;
  const refusals: string[] = [];
  const outcome: StatestoreOutcome = { role: login.change, schema: 'unchanged', moved: [], leftInPublic: [] };

  // PUBLIC has CONNECT unless someone revoked it; the store must not depend on that.
  if (!observed.canConnect) statements.push(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${role}`);

  if (observed.schemaOwner === undefined) {
    statements.push(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
    outcome.schema = 'created';
  } else if (observed.schemaOwner !== spec.role) {
    statements.push(`ALTER SCHEMA ${schema} OWNER TO ${role}`);
    outcome.schema = 'owner set';
  }

  for (const table of spec.tables) {
    const inSchema = observed.tables.find((found) => found.schema === spec.schema && found.name === table);
    const inPublic = observed.tables.find((found) => found.schema === 'public' && found.name === table);
    const name = pg.escapeIdentifier(table);
    const refusal = inPublic && !inSchema ? handOverRefusal(inPublic, spec) : undefined;
    if (refusal) {
      refusals.push(refusal);
    } else if (inPublic && !inSchema) {
      statements.push(`ALTER TABLE public.${name} SET SCHEMA ${schema}`, `ALTER TABLE ${schema}.${name} OWNER TO ${role}`);
      outcome.moved.push(table);
    } else if (inSchema && inSchema.owner !== spec.role) {
      statements.push(`ALTER TABLE ${schema}.${name} OWNER TO ${role}`);
    }
    if (inPublic && inSchema) outcome.leftInPublic.push(table);
  }
  // Rights granted to the role by name on the platform's tables, table by table: a blanket REVOKE
  // rewrites every table's catalog row, and fails on a table a concurrent migration alters.
  // PUBLIC's rights are the check's to report.
  for (const table of observed.grantedInPublic ?? [])
    statements.push(`REVOKE ALL ON TABLE public.${pg.escapeIdentifier(table)} FROM ${role}`);
  return { statements, outcome, refusals };
}

/**
 * Makes the database hold `spec`, connected as a superuser (whose session pins its search_path:
 * connection.ts), in one transaction that concurrent runs queue on. The password is sent as its
 * SCRAM verifier only. Every function is named with its schema, so none resolves outside the catalog.
 */
export async function provisionStatestore(admin: pg.Client, spec: StatestoreSpec, password: string): Promise<StatestoreOutcome> {
  await admin.query('BEGIN');
  try {
    await admin.query('SELECT pg_catalog.pg_advisory_xact_lock($1::bigint)', [statestoreLock]);
    const observed = await observeStore(admin, spec);
    const { rows } = await admin.query<{ database: string }>('SELECT pg_catalog.current_database() AS database');
    const { statements, outcome, refusals } = planStatestore(spec, observed, password, rows[0]!.database);
    if (refusals.length > 0) {
      throw new ActionableError(
        `the Dapr state store part will not hand these tables in public to role ${spec.role}: ${refusals.join('; ')}`,
        'look at each table (someone other than the earlier release made or changed it); drop what it should not have, ' +
          'or move the state yourself as docs/upgrade.md says, then upgrade again',
        [],
        ExitCode.invalidInput,
      );
    }
    for (const statement of statements) await admin.query(statement);
    await admin.query('COMMIT');
    return outcome;
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The schema's owner, and the store's tables in public or in the schema: what any role may read of the catalog. */
async function schemaAndTables(client: pg.Client, spec: StatestoreSpec) {
  const { rows: schemas } = await client.query<{ owner: string }>(
    'SELECT pg_catalog.pg_get_userbyid(nspowner) AS owner FROM pg_catalog.pg_namespace WHERE nspname = $1',
    [spec.schema],
  );
  const { rows: tables } = await client.query<StoreTable>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
            ARRAY(SELECT 'it has trigger ' || t.tgname FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                  UNION ALL
                  SELECT 'it has rule ' || r.rulename FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid
                  UNION ALL
                  SELECT 'it has row security policy ' || p.polname FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid
                  UNION ALL
                  SELECT 'row level security is on' WHERE c.relrowsecurity) AS hazards
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', $1) AND c.relname = ANY($2)`,
    [spec.schema, spec.tables],
  );
  return { schemaOwner: schemas[0]?.owner, tables };
}

async function observeStore(admin: pg.Client, spec: StatestoreSpec): Promise<ObservedStore> {
  const role = await observeLoginRole(admin, spec.role, roleSearchPath(spec.schema));
  const { schemaOwner, tables } = await schemaAndTables(admin, spec);
  const found = { ...(schemaOwner !== undefined && { schemaOwner }), tables };
  if (!role) return found;
  const { rows: rights } = await admin.query<{ can_connect: boolean; granted: string[] }>(
    `SELECT pg_catalog.has_database_privilege($1, pg_catalog.current_database(), 'CONNECT') AS can_connect,
            ARRAY(SELECT DISTINCT c.relname::text
                    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, pg_catalog.aclexplode(c.relacl) a
                   WHERE n.nspname = 'public' AND a.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1)
                   ORDER BY 1) AS granted`,
    [spec.role],
  );
  return {
    ...found,
    role,
    canConnect: rights[0]!.can_connect,
    grantedInPublic: rights[0]!.granted,
  };
}

/**
 * What keeps the state store from working as declared, seen from its own role (so its password
 * is proven too): the schema missing or not its own, state of an earlier release still in public,
 * and any right on the platform's tables. Empty when all holds.
 */
export async function statestoreProblems(asRole: pg.Client, spec: StatestoreSpec): Promise<string[]> {
  const problems: string[] = [];
  const { schemaOwner, tables } = await schemaAndTables(asRole, spec);
  if (schemaOwner === undefined) problems.push(`schema ${spec.schema} does not exist`);
  else if (schemaOwner !== spec.role) problems.push(`schema ${spec.schema} is owned by ${schemaOwner}, not ${spec.role}`);

  const stranded = spec.tables.filter(
    (table) =>
      tables.some((t) => t.schema === 'public' && t.name === table) && !tables.some((t) => t.schema === spec.schema && t.name === table),
  );
  for (const table of stranded) problems.push(`state is still in public.${table}, where the state store no longer looks`);

  const { rows: granted } = await asRole.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
        AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
      ORDER BY 1`,
  );
  if (granted.length > 0) {
    problems.push(`role ${spec.role} has rights on the platform's table(s) ${granted.map((row) => `public.${row.name}`).join(', ')}`);
  }
  return problems;
}
