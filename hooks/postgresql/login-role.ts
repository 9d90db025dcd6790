import pg from 'pg';
import { scramVerifier, verifierMatches } from './scram.js';

// A role that services or the Dapr state store log in as, made by a superuser: it logs in and may
// do nothing beyond what is granted to it. Its password reaches the server as a SCRAM verifier only.

/** What a superuser sees of a login role. */
export interface ObservedLoginRole {
  verifier: string | null;
  /** It logs in, and has none of the attributes that reach past its grants. */
  attributesOk: boolean;
  /** Its own search_path is the declared one (always true when none is declared). */
  searchPathOk: boolean;
}

export type RoleChange = 'created' | 'updated' | 'unchanged';

const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * The statements that make `role` a login role with `password` and, if given, its own
 * `searchPath` (schema names, in order). Pure: nothing is planned for what already holds.
 */
export function planLoginRole(
  role: string,
  observed: ObservedLoginRole | undefined,
  password: string,
  searchPath?: readonly string[],
): { statements: string[]; change: RoleChange } {
  const name = pg.escapeIdentifier(role);
  const statements: string[] = [];
  let change: RoleChange = 'unchanged';
  if (!observed) {
    statements.push(`CREATE ROLE ${name} ${attributes} PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
    change = 'created';
  } else if (!observed.attributesOk || !verifierMatches(observed.verifier, password)) {
    statements.push(`ALTER ROLE ${name} ${attributes} PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`);
    change = 'updated';
  }
  if (searchPath && !observed?.searchPathOk) {
    statements.push(`ALTER ROLE ${name} SET search_path TO ${searchPath.map((schema) => pg.escapeIdentifier(schema)).join(', ')}`);
    if (observed) change = 'updated';
  }
  return { statements, change };
}

/** The role as a superuser sees it (pg_authid), or undefined when there is none. */
export async function observeLoginRole(
  admin: pg.Client,
  role: string,
  searchPath?: readonly string[],
): Promise<ObservedLoginRole | undefined> {
  const { rows } = await admin.query<{ verifier: string | null; attributes_ok: boolean; search_path_ok: boolean }>(
    `SELECT a.rolpassword AS verifier,
            a.rolcanlogin AND NOT (a.rolsuper OR a.rolcreatedb OR a.rolcreaterole OR a.rolreplication OR a.rolbypassrls) AS attributes_ok,
            $2::text[] IS NULL OR EXISTS (
              SELECT FROM pg_catalog.pg_db_role_setting s
               WHERE s.setrole = a.oid AND s.setdatabase = 0
                 -- As the server stores it: each name quoted only where it must be.
                 AND 'search_path=' || pg_catalog.array_to_string(
                       ARRAY(SELECT pg_catalog.quote_ident(n) FROM pg_catalog.unnest($2::text[]) n), ', ') = ANY(s.setconfig)
            ) AS search_path_ok
       FROM pg_catalog.pg_authid a WHERE a.rolname = $1`,
    [role, searchPath ?? null],
  );
  const found = rows[0];
  return found && { verifier: found.verifier, attributesOk: found.attributes_ok, searchPathOk: found.search_path_ok };
}
