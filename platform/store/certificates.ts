/**
 * TLS certificates of apps: PEM chain + key, the names they cover and their
 * expiry. The router's copy lives in router_certificates (routing/hosts.ts).
 */
import type { Queryable } from '../db/pool.js';
import type { Certificate } from '../types.js';
import { iso, translatePgError } from './rows.js';

/** A certificate with its PEM texts (never sent to API clients). */
export interface CertificateRecord extends Certificate { certPem: string; keyPem: string }

interface CertRow { id: string; app_id: string; name: string; cert_pem: string; key_pem: string; hostnames: string[]; expires_at: Date; created_at: Date }

const toCert = (r: CertRow): CertificateRecord => ({
  id: r.id, appId: r.app_id, name: r.name, hostnames: r.hostnames, expiresAt: iso(r.expires_at), createdAt: iso(r.created_at),
  certPem: r.cert_pem, keyPem: r.key_pem,
});

/** Store a certificate; Conflict when the name is taken. */
export async function insertCertificate(q: Queryable, c: Omit<CertificateRecord, 'id' | 'createdAt'>): Promise<CertificateRecord> {
  const res = await q.query<CertRow>(
    `INSERT INTO certificates (app_id, name, cert_pem, key_pem, hostnames, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [c.appId, c.name, c.certPem, c.keyPem, c.hostnames, c.expiresAt])
    .catch((err: unknown) => translatePgError(err, { unique: `a certificate named ${c.name} exists` }));
  return toCert(res.rows[0]);
}

/** The app's certificates, newest first. */
export async function listCertificates(q: Queryable, appId: string): Promise<CertificateRecord[]> {
  const res = await q.query<CertRow>('SELECT * FROM certificates WHERE app_id = $1 ORDER BY created_at DESC, name', [appId]);
  return res.rows.map(toCert);
}

/** Delete the app's certificate `name`; false when it has none by that name. */
export async function deleteCertificate(q: Queryable, appId: string, name: string): Promise<boolean> {
  const res = await q.query('DELETE FROM certificates WHERE app_id = $1 AND name = $2', [appId, name]);
  return (res.rowCount ?? 0) > 0;
}

/** Public view of a record (no PEM). */
export function publicCertificate(c: CertificateRecord): Certificate {
  return { id: c.id, appId: c.appId, name: c.name, hostnames: c.hostnames, expiresAt: c.expiresAt, createdAt: c.createdAt };
}

/** Delete every certificate of the app (destroy: the keys go at once). */
export async function deleteAppCertificates(q: Queryable, appId: string): Promise<void> {
  await q.query('DELETE FROM certificates WHERE app_id = $1', [appId]);
}
