import { describe, expect, it } from 'vitest';
import { connectionTls, tlsFailure } from '../../../../hooks/postgresql/tls.js';

const ca = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----';

describe('connectionTls: sslmode as libpq means it', () => {
  it('disable is no TLS; require encrypts without verifying, unless a CA is given (then the chain is checked, as in libpq and pgx)', () => {
    expect(connectionTls('db', { mode: 'disable', ca })).toBe(false);
    expect(connectionTls('db', { mode: 'require' })).toEqual({ rejectUnauthorized: false });
    expect(connectionTls('db', { mode: 'require', ca })).toMatchObject({ rejectUnauthorized: true, ca });
  });

  it('verify-ca checks the chain but not the name; verify-full checks the name against the host given, even for an address', () => {
    const verifyCa = connectionTls('10.0.0.7', { mode: 'verify-ca', ca });
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca });
    expect(verifyCa && verifyCa.checkServerIdentity!('anything', {} as never)).toBeUndefined();
    const verifyFull = connectionTls('10.0.0.7', { mode: 'verify-full' });
    expect(verifyFull).not.toHaveProperty('ca');
    const subject = { subject: { CN: 'other' }, subjectaltname: 'DNS:other' } as never;
    expect(verifyFull && verifyFull.checkServerIdentity!('localhost', subject)?.message).toContain(
      "IP: 10.0.0.7 is not in the cert's list",
    );
  });

  it('sends a client certificate only with its key', () => {
    expect(connectionTls('db', { mode: 'verify-full', cert: 'c', key: 'k' })).toMatchObject({ cert: 'c', key: 'k' });
    expect(connectionTls('db', { mode: 'verify-full', cert: 'c' })).not.toHaveProperty('cert');
  });
});

describe('tlsFailure', () => {
  it('leaves every other failure to the caller', () => {
    expect(tlsFailure('ECONNREFUSED', 'connect ECONNREFUSED', 'db', { mode: 'verify-full' })).toBeUndefined();
  });
});
