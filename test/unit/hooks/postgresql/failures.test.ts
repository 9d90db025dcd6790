import { describe, expect, it } from 'vitest';
import { classifyPostgresqlFailure } from '../../../../hooks/postgresql/failures.js';

const source = { user: 'learnflow', description: 'Secret learnflow-credentials, key password' };
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
describe('classifyPostgresqlFailure', () => {
  it('waits out a server that is starting, restarting or unreachable', () => {
    for (const error of [
      pgError('57P03', 'the database system is starting up'),
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pgError('57P01', 'terminating connection due to administrator command'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(classifyPostgresqlFailure(error, source).retriable, error.message).toBe(true);
    }
    expect(classifyPostgresqlFailure(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db'), source).hint).toContain('does not resolve');
  });

  it('fails fast on a wrong password, naming where it came from', () => {
    expect(classifyPostgresqlFailure(pgError('28P01', 'password authentication failed for user "learnflow"'), source)).toEqual({
      retriable: false,
      reason: 'PostgreSQL rejected the password of user learnflow: password authentication failed for user "learnflow"',
      hint: expect.stringContaining('the password comes from Secret learnflow-credentials, key password'),
    });
  });

  it('fails fast on anything else, with the SQLSTATE', () => {
    expect(classifyPostgresqlFailure(pgError('42P01', 'relation "users" does not exist'), source)).toMatchObject({
      retriable: false,
      reason: 'PostgreSQL error 42P01: relation "users" does not exist',
    });
  });
});
