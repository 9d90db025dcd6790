import { ActionableError } from '../../common/errors.js';
import type { FailureClass } from '../lib/retry.js';
import { tlsFailure, type PostgresqlTls } from './tls.js';

/** Where the hook's database password comes from, for messages: "Secret learnflow-credentials, key password". */
export interface PasswordSource {
  user: string;
  description: string;
}

const notReady = 'check that the PostgreSQL pod is Running and Ready (kubectl get pods -l app.kubernetes.io/name=postgresql)';

// SQLSTATE classes and codes (PostgreSQL appendix A).
const waitable = new Set([
  '57P03', // cannot_connect_now: starting up or shutting down
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const socketErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether a PostgreSQL failure is worth waiting out (the server is starting, restarting or
 * unreachable) or needs a person (credentials, a missing database, a broken migration), with the
 * cause and the fix.
 */
export function classifyPostgresqlFailure(
  error: unknown,
  password: PasswordSource,
  server: { host: string; tls: PostgresqlTls },
): FailureClass {
  if (error instanceof ActionableError) return { retriable: false, reason: error.message, hint: error.fix };
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : '';
  const message = String(fields.message ?? error);
  const tls = tlsFailure(code, message, server.host, server.tls);
  if (tls) return tls;

  if (code === '28P01' || code === '28000') {
    return {
      retriable: false,
      reason: `PostgreSQL rejected the password of user ${password.user}: ${message}`,
      hint:
        `the password comes from ${password.description}: it must match the database's (PostgreSQL ` +
        `keeps the password it was initialised with; see docs/postgresql.md on rotation)`,
    };
  }
  if (code === '3D000') {
    return {
      retriable: false,
      reason: message,
      hint: "the database does not exist: check postgresql.auth.database and the hook's database name",
    };
  }
  if (
    socketErrors.has(code) ||
    waitable.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|not queryable|timeout expired/i.test(message)
  ) {
    return {
      retriable: true,
      reason: `cannot use PostgreSQL yet: ${message}`,
      hint:
        code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the database address does not resolve: check the host name and that the PostgreSQL Service exists'
          : notReady,
    };
  }
  return {
    retriable: false,
    reason: `${code ? `PostgreSQL error ${code}: ` : ''}${message}`,
    hint: 'this is not a passing condition: the log lines above show what the program was doing',
  };
}
