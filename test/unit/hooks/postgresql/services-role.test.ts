import { describe, expect, it } from 'vitest';
import { planServicesGrants, type ObservedGrants } from '../../../../hooks/postgresql/services-role.js';

const spec = { role: 'learnflow_services', owner: 'learnflow' };
const granted: ObservedGrants = {
  roleExists: true,
  schemaUsage: true,
  tables: [
    { name: 'users', granted: true },
    { name: 'topics', granted: true },
  ],
  sequences: [],
  defaultTables: true,
  defaultSequences: true,
  bookkeeping: [],
};

const defaults = 'ALTER DEFAULT PRIVILEGES FOR ROLE "learnflow" IN SCHEMA public';

describe("the services' role's grants", () => {
  it('grants nothing when all holds', () => {
    expect(planServicesGrants(spec, granted)).toEqual([]);
  });

  it("grants what is missing, table by table, and the owner's default privileges for tables made later", () => {
    expect(
      planServicesGrants(spec, {
        ...granted,
        schemaUsage: false,
        tables: [
          { name: 'users', granted: true },
          { name: 'topics', granted: false },
        ],
        sequences: [{ name: 'badges_id_seq', granted: false }],
        defaultTables: false,
        defaultSequences: false,
      }),
    ).toEqual([
      'GRANT USAGE ON SCHEMA public TO "learnflow_services"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public."topics" TO "learnflow_services"',
      'GRANT USAGE, SELECT ON SEQUENCE public."badges_id_seq" TO "learnflow_services"',
      `${defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "learnflow_services"`,
      `${defaults} GRANT USAGE, SELECT ON SEQUENCES TO "learnflow_services"`,
    ]);
  });

  it('takes back any right on the migration record', () => {
    expect(planServicesGrants(spec, { ...granted, bookkeeping: ['pgmigrations', 'pgmigrations_id_seq'] })).toEqual([
      'REVOKE ALL ON public."pgmigrations" FROM "learnflow_services"',
      'REVOKE ALL ON public."pgmigrations_id_seq" FROM "learnflow_services"',
    ]);
  });
});
