// What PostgreSQL's and Kafka's TLS share: the PEM files the Pod mounts, and what Node's TLS
// says when a server's certificate cannot be trusted.
import { requireMountedFile } from './mounted-file.js';

/** The PEM texts a client presents or trusts: the CA, and a client certificate with its key. */
export interface TlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** Reads the files given (each a mounted Secret or ConfigMap key); `values` names where each comes from, for messages. */
export async function readTlsFiles(
  service: string,
  paths: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined },
  values: { ca: string; client: string },
): Promise<TlsFiles> {
  const read = (path: string | undefined, what: string, from: string) =>
    path ? requireMountedFile({ what, path, from, check: `${from} names a Secret or ConfigMap that holds it` }) : undefined;
  return {
    ca: await read(paths.ca, `${service}'s CA certificate`, values.ca),
    cert: await read(paths.cert, `the ${service} client certificate`, values.client),
    key: await read(paths.key, `the ${service} client certificate's key`, values.client),
  };
}

// Node's codes for a chain it cannot verify (OpenSSL's X509_V_ERR_* names).
const untrustedChain = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** What is wrong with a server's certificate, by Node's error code; undefined for any other failure. */
export function certificateProblem(code: string): 'untrusted' | 'not-valid-now' | 'wrong-name' | undefined {
  if (untrustedChain.has(code)) return 'untrusted';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'not-valid-now';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'wrong-name';
  return undefined;
}
