import { describe, expect, it } from 'vitest';
import { classifyPostgresqlFailure } from '../../../../hooks/postgresql/failures.js';

const source = { user: 'learnflow', description: 'Secret learnflow-credentials, key password' };
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const classify = (error: unknown) => classifyPostgresqlFailure(error, source, { host: 'db', tls: { mode: 'disable' } });
describe('classifyPostgresqlFailure', () => {
  it('waits out a server that is starting, restarting or unreachable', () => {
    for (const error of [
      pgError('57P03', 'the database system is starting up'),
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pgError('57P01', 'terminating connection due to administrator command'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(classify(error).retriable, error.message).toBe(true);
    }
    expect(classify(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db')).hint).toContain('does not resolve');
  });

  it('fails fast on a wrong password, naming where it came from', () => {
    expect(classify(pgError('28P01', 'password authentication failed for user "learnflow"'))).toEqual({
      retriable: false,
      reason: 'PostgreSQL rejected the password of user learnflow: password authentication failed for user "learnflow"',
      hint: expect.stringContaining('the password comes from Secret learnflow-credentials, key password'),
    });
  });

  it('fails fast on anything else, with the SQLSTATE', () => {
    expect(classify(pgError('42P01', 'relation "users" does not exist'))).toMatchObject({
      retriable: false,
      reason: 'PostgreSQL error 42P01: relation "users" does not exist',
    });
  });
});
