/**
 * Certificates: what a PEM says (names, expiry, fingerprint), whether its key
 * matches, and which host names it covers.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { invalid } from '../../lib/errors.js';

export interface ParsedCertificate {
  /** DNS names of the subjectAltName (else the subject's CN), lower-case. */
  hostnames: string[];
  expiresAt: string;
  /** First 8 hex digits of the SHA-256 fingerprint. */
  fingerprint8: string;
}

/** Parse the leaf of a PEM chain and check that `keyPem` is its private key; Invalid otherwise. */
export function parseCertificate(certPem: string, keyPem: string): ParsedCertificate {
  const x509 = attempt(() => new X509Certificate(certPem), 'the certificate is not a PEM X.509 certificate');
  const key = attempt(() => createPrivateKey(keyPem), 'the key is not a PEM private key (unencrypted)');
  if (!x509.checkPrivateKey(key)) throw invalid('the key does not belong to the certificate');
  const expires = new Date(x509.validTo);
  if (expires.getTime() <= Date.now()) throw invalid(`the certificate expired on ${expires.toISOString()}`);
  const hostnames = namesOf(x509);
  if (hostnames.length === 0) throw invalid('the certificate names no DNS host');
  return { hostnames, expiresAt: expires.toISOString(), fingerprint8: x509.fingerprint256.replace(/:/g, '').slice(0, 8).toLowerCase() };
}

function namesOf(x509: X509Certificate): string[] {
  const alt = (x509.subjectAltName ?? '').split(/,\s*/).filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4).toLowerCase());
  if (alt.length > 0) return [...new Set(alt)];
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

function attempt<T>(fn: () => T, message: string): T {
  try {
    return fn();
  } catch (err) {
    throw invalid(message, err);
  }
}

/** True when a certificate name (`shop.example.com`, `*.example.com`) covers the host (exact, or one label under a wildcard). */
export function covers(certName: string, host: string): boolean {
  if (certName === host) return true;
  if (!certName.startsWith('*.') || host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === certName.slice(2);
}
