import pg from 'pg';
import { scramVerifier, verifierMatches } from './scram.js';

// The Dapr state store's place in the database: a role of its own that owns a schema of its own,
// where the state store keeps its tables, with no rights on the platform's tables in public
// (docs/dapr.md). Like CloudNativePG's declarative roles: what is declared is made so, and what
// was there is kept; tables the state store made in public before 0.2.0 are moved, not copied.

/** The declared store: its role, its schema, and the tables the state store keeps there. */
export interface DaprStoreSpec {
  role: string;
  schema: string;
  tables: readonly string[];
}

/** What the database holds of the store, as a superuser sees it. */
export interface ObservedStore {
  role?: { verifier: string | null; attributesOk: boolean };
  schemaOwner?: string;
  /** The store's tables found in public or in its schema. */
  tables: readonly { schema: string; name: string; owner: string }[];
  /** Whether the role may connect to the database. */
  canConnect?: boolean;
  /** Tables in public on which the role holds a right granted to it by name. */
  grantedInPublic?: readonly string[];
}

export interface DaprStoreOutcome {
  role: 'created' | 'updated' | 'unchanged';
  schema: 'created' | 'owner set' | 'unchanged';
  /** Tables moved from public into the store's schema, their state with them. */
  moved: string[];
  /** Tables found in both: the store's is used, public's is kept for a person to look at. */
  leftInPublic: string[];
}

/** Serialises concurrent runs of the part (pg_advisory_xact_lock's key). */
export const daprStoreLock = 0x1ea4d5a;

/** The attributes the role has: it logs in, and may do nothing beyond what is granted. */
const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * The statements that make the database hold `spec`, given what it holds, and what they do.
 * Pure: statements that find nothing to do are not planned.
 */
export function planDaprStore(
  spec: DaprStoreSpec,
  observed: ObservedStore,
  password: string,
  database: string,
): { statements: string[]; outcome: DaprStoreOutcome } {
  const role = pg.escapeIdentifier(spec.role);
  const schema = pg.escapeIdentifier(spec.schema);
  const statements: string[] = [];
  const outcome: DaprStoreOutcome = { role: 'unchanged', schema: 'unchanged', moved: [], leftInPublic: [] };

  if (!observed.role) {
    statements.push(`CREATE ROLE ${role} ${attributes} PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
    outcome.role = 'created';
  } else if (!observed.role.attributesOk || !verifierMatches(observed.role.verifier, password)) {
    statements.push(`ALTER ROLE ${role} ${attributes} PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
    outcome.role = 'updated';
  }
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
    const inPublic = observed.tables.some((found) => found.schema === 'public' && found.name === table);
    const name = pg.escapeIdentifier(table);
    if (inPublic && !inSchema) {
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
  return { statements, outcome };
}

/**
 * Makes the database hold `spec`, connected as a superuser, in one transaction that concurrent
 * runs queue on. The password is sent as its SCRAM verifier only.
 */
export async function provisionDaprStore(admin: pg.Client, spec: DaprStoreSpec, password: string): Promise<DaprStoreOutcome> {
  await admin.query('BEGIN');
  try {
    await admin.query('SELECT pg_advisory_xact_lock($1)', [daprStoreLock]);
    const observed = await observeStore(admin, spec);
    const { rows } = await admin.query<{ database: string }>('SELECT current_database() AS database');
    const { statements, outcome } = planDaprStore(spec, observed, password, rows[0]!.database);
    for (const statement of statements) await admin.query(statement);
    await admin.query('COMMIT');
    return outcome;
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The schema's owner, and the store's tables in public or in the schema: what any role may read of the catalog. */
async function schemaAndTables(client: pg.Client, spec: DaprStoreSpec) {
  const { rows: schemas } = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
    [spec.schema],
  );
  const { rows: tables } = await client.query<{ schema: string; name: string; owner: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', $1) AND c.relname = ANY($2)`,
    [spec.schema, spec.tables],
  );
  return { schemaOwner: schemas[0]?.owner, tables };
}

async function observeStore(admin: pg.Client, spec: DaprStoreSpec): Promise<ObservedStore> {
  const { rows: roles } = await admin.query<{ verifier: string | null; attributes_ok: boolean }>(
    `SELECT rolpassword AS verifier,
            rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls) AS attributes_ok
       FROM pg_authid WHERE rolname = $1`,
    [spec.role],
  );
  const { schemaOwner, tables } = await schemaAndTables(admin, spec);
  const found = { ...(schemaOwner !== undefined && { schemaOwner }), tables };
  if (!roles[0]) return found;
  const { rows: rights } = await admin.query<{ can_connect: boolean; granted: string[] }>(
    `SELECT has_database_privilege($1, current_database(), 'CONNECT') AS can_connect,
            ARRAY(SELECT DISTINCT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
                   WHERE n.nspname = 'public' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1) AS granted`,
    [spec.role],
  );
  return {
    ...found,
    role: { verifier: roles[0].verifier, attributesOk: roles[0].attributes_ok },
    canConnect: rights[0]!.can_connect,
    grantedInPublic: rights[0]!.granted,
  };
}

/**
 * What keeps the state store from working as declared, seen from its own role (so its password
 * is proven too): the schema missing or not its own, state of an earlier release still in public,
 * and any right on the platform's tables. Empty when all holds.
 */
export async function daprStoreProblems(asRole: pg.Client, spec: DaprStoreSpec): Promise<string[]> {
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
