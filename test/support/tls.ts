import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './process.js';

/** A certificate and its key, as PEM text and as files. */
export interface Certificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Names a certificate carries: DNS names and IP addresses (its subjectAltName). */
export interface CertificateNames {
  commonName: string;
  dns?: readonly string[];
  ips?: readonly string[];
}

/**
 * A private CA made at test time with openssl (P-256 keys, valid for two days), as a managed
 * service's provider has one: it signs server and client certificates.
 */
export class CertificateAuthority {
  private constructor(
    private readonly dir: string,
    readonly certificate: Certificate,
  ) {}

  static async create(name: string): Promise<CertificateAuthority> {
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-ca-'));
    const certificate = await openssl(dir, 'ca', [
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ]);
    return new CertificateAuthority(dir, certificate);
  }

  /** A server's certificate for `names`. */
  server(names: CertificateNames): Promise<Certificate> {
    return this.leaf(names, 'serverAuth');
  }

  /** A client's certificate, named commonName (PostgreSQL's clientcert=verify-full would match it to the user). */
  client(commonName: string): Promise<Certificate> {
    return this.leaf({ commonName }, 'clientAuth');
  }

  private leaf(names: CertificateNames, usage: 'serverAuth' | 'clientAuth'): Promise<Certificate> {
    const alt = [...(names.dns ?? []).map((name) => `DNS:${name}`), ...(names.ips ?? []).map((ip) => `IP:${ip}`)];
    return openssl(this.dir, `${usage}-${names.commonName}`, [
      '-subj',
      `/CN=${names.commonName}`,
      '-CA',
      this.certificate.certFile,
      '-CAkey',
      this.certificate.keyFile,
      '-addext',
      'basicConstraints=CA:FALSE',
      '-addext',
      `extendedKeyUsage=${usage}`,
      ...(alt.length ? ['-addext', `subjectAltName=${alt.join(',')}`] : []),
    ]);
  }
}

/** `openssl req -x509` of a new P-256 key: self-signed, or signed by -CA when given. */
async function openssl(dir: string, name: string, args: string[]): Promise<Certificate> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await runOk('openssl', [
    'req',
    '-x509',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    ...args,
  ]);
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile, keyFile };
}
