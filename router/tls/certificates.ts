/**
 * TLS for the HTTPS listener: a default self-signed certificate (made with
 * Debian's `openssl` the first time the router starts, kept in the state
 * dir), and per-host certificates from the route table chosen by SNI. Secure
 * contexts are built once per certificate and kept across snapshots while the
 * PEMs stay the same. A certificate that does not parse is logged and its
 * hosts get the default one.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { run } from '../../lib/exec.js';
import type { RouteTable } from '../table/compile.js';
import type { CertificateRow } from '../types.js';

/** Files of the default certificate. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/** Modern defaults (Mozilla "intermediate"): TLS 1.2+ with AEAD ciphers and forward secrecy only. */
export const TLS_DEFAULTS: tls.SecureContextOptions = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
};

/** The default certificate's files, generated (P-256, 10 years, CN tspaas-router) if missing. */
export async function ensureDefaultCertificate(stateDir: string): Promise<CertificateFiles> {
  const files = { cert: path.join(stateDir, 'default.crt'), key: path.join(stateDir, 'default.key') };
  const exists = await Promise.all([fsp.access(files.cert), fsp.access(files.key)]).then(() => true, () => false);
  if (exists) return files;
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const tmpKey = `${files.key}.${process.pid}.tmp`;
  const tmpCert = `${files.cert}.${process.pid}.tmp`;
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '3650', '-subj', '/CN=tspaas-router', '-addext', 'subjectAltName=DNS:localhost,DNS:*.localhost',
    '-keyout', tmpKey, '-out', tmpCert]);
  await fsp.chmod(tmpKey, 0o600);
  await fsp.rename(tmpKey, files.key);
  await fsp.rename(tmpCert, files.cert);
  return files;
}

/** The secure contexts of one worker. */
export class SecureContexts {
  private readonly byName = new Map<string, { pem: string; context: tls.SecureContext | null }>();

  constructor(private readonly log: Logger) {}

  /** Build contexts for new or changed certificates, forget removed ones. */
  update(rows: CertificateRow[]): void {
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.name);
      const pem = row.cert_pem + row.key_pem;
      if (this.byName.get(row.name)?.pem === pem) continue;
      let context: tls.SecureContext | null = null;
      try {
        context = tls.createSecureContext({ ...TLS_DEFAULTS, cert: row.cert_pem, key: row.key_pem });
      } catch (err) {
        this.log.warn({ certificate: row.name, err: (err as Error).message }, 'certificate does not load; its hosts get the default certificate');
      }
      this.byName.set(row.name, { pem, context });
    }
    for (const name of this.byName.keys()) if (!seen.has(name)) this.byName.delete(name);
  }

  /** SNI: the context of the host's certificate, or undefined for the default. */
  lookup(table: RouteTable | null, servername: string): tls.SecureContext | undefined {
    const name = table?.match(servername)?.certificate;
    return name ? this.byName.get(name)?.context ?? undefined : undefined;
  }
}
