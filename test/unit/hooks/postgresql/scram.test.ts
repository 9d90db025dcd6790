import { describe, expect, it } from 'vitest';
import { isScramSafe, scramVerifier, verifierMatches } from '../../../../hooks/postgresql/scram.js';

describe('SCRAM-SHA-256 verifiers, as PostgreSQL stores passwords', () => {
  it("are PostgreSQL's format, salted afresh each time, and match their password only", () => {
    const verifier = scramVerifier('correct horse');
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(scramVerifier('correct horse')).not.toBe(verifier);
    expect(verifierMatches(verifier, 'correct horse')).toBe(true);
    expect(verifierMatches(verifier, 'correct horsf')).toBe(false);
  });

  it('are the same for the same salt and iterations (what PostgreSQL recomputes at login)', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    expect(scramVerifier('pencil', salt, 4096)).toBe(scramVerifier('pencil', salt, 4096));
    expect(scramVerifier('pencil', salt, 4096)).not.toBe(scramVerifier('pencil', salt, 8192));
  });

  it('never match an md5 password, no password, or a malformed one', () => {
    expect(verifierMatches('md5' + '0'.repeat(32), 'pencil')).toBe(false);
    expect(verifierMatches(null, 'pencil')).toBe(false);
    expect(verifierMatches('SCRAM-SHA-256$4096:c2FsdA==$xx', 'pencil')).toBe(false);
  });

  it('are made here only for printable ASCII, which SASLprep leaves as it is', () => {
    expect(isScramSafe('Az09-_~ !')).toBe(true);
    expect(isScramSafe('')).toBe(false);
    expect(isScramSafe('pässword')).toBe(false);
    expect(isScramSafe('tab\there')).toBe(false);
  });
});
