import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

// A role's password as PostgreSQL stores it (RFC 5802 and 7677, as src/common/scram-common.c
// builds it): SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64. Made here and
// sent instead of the password, so no plaintext password reaches the server, its log or
// pg_stat_activity. Pure, apart from the random salt.

/** PostgreSQL's own default (scram_iterations). */
const defaultIterations = 4096;

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha256').update(clientKey).digest(),
    serverKey: createHmac('sha256', salted).update('Server Key').digest(),
  };
}

/**
 * Whether the verifier made here is the one PostgreSQL would make: SASLprep leaves printable
 * ASCII as it is, and this module implements no more of it.
 */
export const isScramSafe = (password: string): boolean => /^[\x20-\x7e]+$/.test(password);

/** The SCRAM-SHA-256 verifier of `password` (see isScramSafe), with a fresh salt. */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = defaultIterations): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const verifierFormat = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Whether a stored verifier (pg_authid.rolpassword) is that of `password`; false for md5 or none. */
export function verifierMatches(verifier: string | null, password: string): boolean {
  const parts = verifierFormat.exec(verifier ?? '');
  if (!parts) return false;
  const [, iterations, salt, storedKey, serverKey] = parts as unknown as [string, string, string, string, string];
  const expected = keys(password, Buffer.from(salt, 'base64'), Number(iterations));
  const stored = Buffer.concat([Buffer.from(storedKey, 'base64'), Buffer.from(serverKey, 'base64')]);
  const computed = Buffer.concat([expected.storedKey, expected.serverKey]);
  return stored.length === computed.length && timingSafeEqual(stored, computed);
}
