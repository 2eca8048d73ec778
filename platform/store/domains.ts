/**
 * Custom domains of apps (besides the default `<app>.<base-domain>`). The
 * router's copy lives in router_hosts (routing/hosts.ts writes both in one
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

/** How a requested name meets another team's domain: the same name, one it covers, or one that covers it. */
export type Overlap = 'same' | 'covers' | 'covered';

// Zones: `*.example.com` claims example.com and every name under it, a host name only itself; two
// names overlap when one's zone holds the other's ($3: the new name is a wildcard, $4: its zone).
const OVERLAP = `
  SELECT CASE WHEN d.hostname = $2 THEN 'same' WHEN $3 AND (d.zone = $4 OR right(d.zone, length($4) + 1) = '.' || $4) THEN 'covers' ELSE 'covered' END AS overlap
    FROM (SELECT d.hostname, left(d.hostname, 2) = '*.' AS wild,
                 CASE WHEN left(d.hostname, 2) = '*.' THEN substr(d.hostname, 3) ELSE d.hostname END AS zone
            FROM domains d JOIN apps a ON a.id = d.app_id WHERE a.team_id <> $1) d
   WHERE d.hostname = $2
      OR ($3 AND (d.zone = $4 OR right(d.zone, length($4) + 1) = '.' || $4))
      OR (d.wild AND ($4 = d.zone OR right($4, length(d.zone) + 1) = '.' || d.zone))
   ORDER BY 1 DESC LIMIT 1`;

/** The first overlap of a canonical `hostname` with the domains of teams other than `teamId`, or null. */
export async function findOverlap(q: Queryable, teamId: string, hostname: string): Promise<Overlap | null> {
  const wildcard = hostname.startsWith('*.');
  const res = await q.query<{ overlap: Overlap }>(OVERLAP, [teamId, hostname, wildcard, wildcard ? hostname.slice(2) : hostname]);
  return res.rows[0]?.overlap ?? null;
}

/** Hold the lock that orders domain additions until the transaction ends (an overlap check and its insert are one step). */
export async function lockDomains(q: Queryable): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtext('tspaas.domains'))");
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
