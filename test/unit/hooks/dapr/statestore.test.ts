import { describe, expect, it } from 'vitest';
import { planStatestore, type ObservedStore } from '../../../../hooks/dapr/statestore.js';
import { scramVerifier } from '../../../../hooks/postgresql/scram.js';

const spec = { role: 'dapr', schema: 'dapr', tables: ['dapr_state', 'dapr_metadata'], earlierOwner: 'learnflow' };
const made: ObservedStore = {
  role: { verifier: scramVerifier('secret-1'), attributesOk: true, searchPathOk: true },
  schemaOwner: 'dapr',
  tables: [
    { schema: 'dapr', name: 'dapr_state', owner: 'dapr' },
    { schema: 'dapr', name: 'dapr_metadata', owner: 'dapr' },
  ],
  canConnect: true,
  grantedInPublic: [],
};
const plan = (observed: ObservedStore, password = 'secret-1') => planStatestore(spec, observed, password, 'learnflow');

describe('the Dapr state store plan', () => {
  it('makes the role with a verifier, never the password, and the schema it owns', () => {
    const { statements, outcome } = plan({ tables: [] });
    expect(outcome).toEqual({ role: 'created', schema: 'created', moved: [], leftInPublic: [] });
    expect(statements[0]).toMatch(
      /^CREATE ROLE "dapr" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256\$/,
    );
    expect(statements.join('\n')).not.toContain('secret-1');
    expect(statements).toContain('CREATE SCHEMA "dapr" AUTHORIZATION "dapr"');
    expect(statements).toContain('ALTER ROLE "dapr" SET search_path TO "dapr", "pg_catalog"');
    expect(statements).toContain('GRANT CONNECT ON DATABASE "learnflow" TO "dapr"');
  });

  it('changes nothing when all is as declared', () => {
    const { statements, outcome } = plan(made);
    expect(statements).toEqual([]);
    expect(outcome).toEqual({ role: 'unchanged', schema: 'unchanged', moved: [], leftInPublic: [] });
  });

  it('sets the password again when it changed, and the attributes when someone widened them', () => {
    expect(plan(made, 'secret-2').outcome.role).toBe('updated');
    const widened = plan({ ...made, role: { ...made.role!, attributesOk: false } });
    expect(widened.statements).toEqual([expect.stringMatching(/^ALTER ROLE "dapr" LOGIN NOSUPERUSER .* PASSWORD 'SCRAM-SHA-256\$/)]);
    const pathChanged = plan({ ...made, role: { ...made.role!, searchPathOk: false } });
    expect(pathChanged.statements).toEqual(['ALTER ROLE "dapr" SET search_path TO "dapr", "pg_catalog"']);
    expect(pathChanged.outcome.role).toBe('updated');
  });

  it("refuses to hand over a table in public that 0.1.x's user did not make, or that runs code as whoever writes to it", () => {
    const planted = plan({
      ...made,
      tables: [
        { schema: 'public', name: 'dapr_state', owner: 'learnflow', hazards: ['it has trigger steal'] },
        { schema: 'public', name: 'dapr_metadata', owner: 'mallory', hazards: [] },
      ],
    });
    expect(planted.statements).toEqual([]);
    expect(planted.outcome.moved).toEqual([]);
    expect(planted.refusals).toEqual([
      'public.dapr_state: it has trigger steal',
      "public.dapr_metadata: it is owned by mallory, not learnflow, who made 0.1.x's",
    ]);
  });

  it('moves state tables out of public and hands them to the role, but keeps both copies when both exist', () => {
    const earlier = plan({
      ...made,
      tables: [
        { schema: 'public', name: 'dapr_state', owner: 'learnflow' },
        { schema: 'public', name: 'dapr_metadata', owner: 'learnflow' },
        { schema: 'dapr', name: 'dapr_metadata', owner: 'dapr' },
      ],
    });
    expect(earlier.statements).toEqual([
      'ALTER TABLE public."dapr_state" SET SCHEMA "dapr"',
      'ALTER TABLE "dapr"."dapr_state" OWNER TO "dapr"',
    ]);
    expect(earlier.outcome).toMatchObject({ moved: ['dapr_state'], leftInPublic: ['dapr_metadata'] });
  });

  it('gives the role its schema and tables back when their owner changed', () => {
    const taken = plan({ ...made, schemaOwner: 'postgres', tables: [{ schema: 'dapr', name: 'dapr_state', owner: 'learnflow' }] });
    expect(taken.statements).toEqual(['ALTER SCHEMA "dapr" OWNER TO "dapr"', 'ALTER TABLE "dapr"."dapr_state" OWNER TO "dapr"']);
    expect(taken.outcome.schema).toBe('owner set');
  });

  it('revokes only what was granted to the role by name, table by table, and grants CONNECT only when missing', () => {
    const { statements } = plan({ ...made, canConnect: false, grantedInPublic: ['users', 'topics'] });
    expect(statements).toEqual([
      'GRANT CONNECT ON DATABASE "learnflow" TO "dapr"',
      'REVOKE ALL ON TABLE public."users" FROM "dapr"',
      'REVOKE ALL ON TABLE public."topics" FROM "dapr"',
    ]);
  });

  it('quotes names it is given', () => {
    const odd = planStatestore({ ...spec, role: 'a"b', tables: [] }, { tables: [] }, 'secret-1', 'learnflow');
    expect(odd.statements[0]).toMatch(/^CREATE ROLE "a""b" /);
  });
});
