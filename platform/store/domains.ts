/**
 * Custom domains of apps (besides the default `<app>.<base-domain>`). The
 * router's copy lives in router_hosts (routes/hosts.ts writes both in one
 * transaction).
 */
import type { Queryable } from '../db/pool.js';
import type { Domain } from '../types.js';
import { iso, translatePgError } from './rows.js';

interface DomainRow { hostname: string; app_id: string; certificate: string | null; created_at: Date }

const SELECT_DOMAIN = `
  SELECT d.hostname, d.app_id, c.name AS certificate, d.created_at
    FROM domains d LEFT JOIN certificates c ON c.id = d.certificate_id`;

const toDomain = (r: DomainRow): Domain => ({ hostname: r.hostname, appId: r.app_id, certificate: r.certificate, createdAt: iso(r.created_at) });

/** Add a domain; Conflict when any app has it already. */
export async function insertDomain(q: Queryable, hostname: string, appId: string, certificateId: string | null): Promise<void> {
  await q.query('INSERT INTO domains (hostname, app_id, certificate_id) VALUES ($1, $2, $3)', [hostname, appId, certificateId])
    .catch((err: unknown) => translatePgError(err, { unique: `${hostname} is already in use`, check: `${hostname} is not a valid host name` }));
}

/** One domain of the app, or null. */
export async function getDomain(q: Queryable, appId: string, hostname: string): Promise<Domain | null> {
  const res = await q.query<DomainRow>(`${SELECT_DOMAIN} WHERE d.app_id = $1 AND d.hostname = $2`, [appId, hostname]);
  return res.rows.length === 0 ? null : toDomain(res.rows[0]);
}

/** The app's domains by name. */
export async function listDomains(q: Queryable, appId: string): Promise<Domain[]> {
  const res = await q.query<DomainRow>(`${SELECT_DOMAIN} WHERE d.app_id = $1 ORDER BY d.hostname`, [appId]);
  return res.rows.map(toDomain);
}

/** Remove one domain of the app; false when it had none by that name. */
export async function deleteDomain(q: Queryable, appId: string, hostname: string): Promise<boolean> {
  const res = await q.query('DELETE FROM domains WHERE app_id = $1 AND hostname = $2', [appId, hostname]);
  return (res.rowCount ?? 0) > 0;
}

/** Point the given domains of the app at a certificate (or none). */
export async function setDomainCertificate(q: Queryable, appId: string, hostnames: string[], certificateId: string | null): Promise<void> {
  await q.query('UPDATE domains SET certificate_id = $3 WHERE app_id = $1 AND hostname = ANY($2::text[])', [appId, hostnames, certificateId]);
}

/** Delete every domain of the app (destroy: the hostnames are free for others at once). */
export async function deleteAppDomains(q: Queryable, appId: string): Promise<void> {
  await q.query('DELETE FROM domains WHERE app_id = $1', [appId]);
}
