// TLS to PostgreSQL as libpq's sslmode means it (disable, require, verify-ca, verify-full), for
// node-postgres: what a managed PostgreSQL requires, and how a failure to agree on it reads.
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { FailureClass } from '../lib/retry.js';
import { certificateProblem, type TlsFiles } from '../lib/tls.js';

export const tlsModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type TlsMode = (typeof tlsModes)[number];

/** The mode and the PEM texts the program was given (the CA, and a client certificate with its key). */
export interface PostgresqlTls extends TlsFiles {
  mode: TlsMode;
}

/** The values a user sets, as messages name them. */
export const tlsValues = {
  mode: 'postgresqlSchema.tls.mode',
  ca: 'postgresqlSchema.tls.caCertificate',
  client: 'postgresqlSchema.tls.clientCertificate',
} as const;

/**
 * node-postgres's `ssl` for a connection to `host`: off; encrypted without verification
 * (require); the certificate's chain verified against the CA, or Node's trusted roots without one
 * (verify-ca); and its names against `host` too, whether a name or an address (verify-full).
 * As in libpq and pgx (the Dapr state store's driver), require with a CA verifies the chain.
 */
export function connectionTls(host: string, tls: PostgresqlTls): false | ConnectionOptions {
  if (tls.mode === 'disable') return false;
  const client = tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {};
  if (tls.mode === 'require' && !tls.ca) return { ...client, rejectUnauthorized: false };
  return {
    ...client,
    ...(tls.ca && { ca: tls.ca }),
    rejectUnauthorized: true,
    // node-postgres names no server for an address; the check then uses the host given here.
    checkServerIdentity: tls.mode === 'verify-full' ? (_name, certificate) => checkServerIdentity(host, certificate) : () => undefined,
  };
}

/**
 * A failure to agree on TLS with the server, with its cause and the value to set; undefined for
 * any other failure. None of these passes by waiting.
 */
export function tlsFailure(code: string, message: string, host: string, tls: PostgresqlTls): FailureClass | undefined {
  const fail = (reason: string, hint: string): FailureClass => ({ retriable: false, reason, hint });
  const problem = certificateProblem(code);
  if (problem === 'untrusted') {
    const signer = tls.ca ? `the CA of ${tlsValues.ca}` : 'a CA Node trusts (no CA given)';
    return fail(
      `PostgreSQL's certificate at ${host} is not signed by ${signer}: ${message}`,
      `set ${tlsValues.ca} to the CA that signed the server's certificate (your provider publishes it)`,
    );
  }
  if (problem === 'not-valid-now') {
    return fail(`PostgreSQL's certificate at ${host} is not valid now: ${message}`, 'the server needs a current certificate');
  }
  if (problem === 'wrong-name') {
    return fail(
      `PostgreSQL's certificate does not name ${host} (${tls.mode}): ${message}`,
      "set postgresqlSchema.host to a name the certificate carries (your provider's endpoint, not an address or alias), " +
        `or ${tlsValues.mode}=verify-ca to check the CA alone`,
    );
  }
  if (/does not support SSL/i.test(message)) {
    return fail(
      `PostgreSQL at ${host} does not offer TLS, and ${tlsValues.mode} is ${tls.mode}`,
      `turn TLS on in the server (ssl=on), or set ${tlsValues.mode}=disable for a server that has none`,
    );
  }
  if (code === '28000' && /no encryption/i.test(message)) {
    return fail(
      `PostgreSQL at ${host} accepts TLS connections only, and ${tlsValues.mode} is disable: ${message}`,
      `set ${tlsValues.mode} to verify-full (and ${tlsValues.ca} to the server's CA)`,
    );
  }
  if ((code === '28000' && /certificate/i.test(message)) || /alert (certificate required|unknown ca|bad certificate)/i.test(message)) {
    return fail(
      `PostgreSQL at ${host} refused the client certificate: ${message}`,
      tls.cert
        ? `the certificate of ${tlsValues.client} must be signed by a CA the server trusts and name the user it logs in as`
        : `the server requires a client certificate: set ${tlsValues.client} to a Secret of type kubernetes.io/tls holding it`,
    );
  }
  return undefined;
}
