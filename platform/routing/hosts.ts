/**
 * The platform's writes of host names and certificates into the router's
 * route table (router/types.ts, docs/router.md): router_hosts and
 * router_certificates. Callers pass a transaction so the platform's own rows
 * (domains, certificates) and the router's change together; the table's
 * triggers NOTIFY the router at commit.
 */
import { conflict } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { translatePgError } from '../store/rows.js';

/** Make sure the app has its router_routes row (hosts and backends reference it). */
export async function ensureRoute(q: Queryable, app: string): Promise<void> {
  await q.query('INSERT INTO router_routes (app) VALUES ($1) ON CONFLICT DO NOTHING', [app]);
}

/**
 * Route `host` (canonical: lower case, no trailing dot) to `app`, with the named certificate or the router's
 * default one. Conflict when another app's row has the host: a row changes only its certificate, never its app;
 * Invalid when `host` is not canonical (the table's CHECK), so `WWW.Example.com.` cannot stand beside `www.example.com`.
 */
export async function putHost(q: Queryable, host: string, app: string, certificate: string | null): Promise<void> {
  await ensureRoute(q, app);
  const res = await q.query(
    `INSERT INTO router_hosts (host, app, certificate) VALUES ($1, $2, $3)
       ON CONFLICT (host) DO UPDATE SET certificate = EXCLUDED.certificate WHERE router_hosts.app = EXCLUDED.app`, [host, app, certificate])
    .catch((err: unknown) => translatePgError(err, { check: `${host} is not a canonical host name` }));
  if (res.rowCount === 0) throw conflict(`${host} is already in use`);
}

/** Stop routing `host` to `app` (another app's row of that host stays). */
export async function removeHost(q: Queryable, host: string, app: string): Promise<void> {
  await q.query('DELETE FROM router_hosts WHERE host = $1 AND app = $2', [host, app]);
}

/** Store (or replace) a named certificate for the router. */
export async function putRouterCertificate(q: Queryable, name: string, certPem: string, keyPem: string): Promise<void> {
  await q.query(
    `INSERT INTO router_certificates (name, cert_pem, key_pem) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET cert_pem = EXCLUDED.cert_pem, key_pem = EXCLUDED.key_pem, updated_at = now()`,
    [name, certPem, keyPem]);
}

/** Remove a named certificate; hosts using it fall back to the default certificate. */
export async function removeRouterCertificate(q: Queryable, name: string): Promise<void> {
  await q.query('DELETE FROM router_certificates WHERE name = $1', [name]);
}

/** Remove everything the router knows of the app: its route (hosts and backends cascade) and the given certificates. */
export async function removeAppFromRouter(q: Queryable, app: string, certificateNames: string[]): Promise<void> {
  await q.query('DELETE FROM router_routes WHERE app = $1', [app]);
  await q.query('DELETE FROM router_certificates WHERE name = ANY($1::text[])', [certificateNames]);
}
