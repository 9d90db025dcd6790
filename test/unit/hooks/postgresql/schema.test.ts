import { describe, expect, it } from 'vitest';
import { schemaDifferences } from '../../../../hooks/postgresql/schema.js';

describe('schemaDifferences', () => {
  it('names missing tables and columns', () => {
    const actual = new Map([['users', new Set(['id', 'email'])]]);
    const differences = schemaDifferences(actual);
    expect(differences).toContain('column users.password_hash is missing');
    expect(differences).toContain('table topics is missing');
    expect(differences).not.toContain('column users.email is missing');
  });
});
