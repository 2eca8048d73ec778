/**
 * The platform's writes of host names and certificates into the router's
 * route table (router/types.ts, docs/router.md): router_hosts and
 * router_certificates. Callers pass a transaction so the platform's own rows
 * (domains, certificates) and the router's change together; the table's
 * triggers NOTIFY the router at commit.
 */
import type { Queryable } from '../db/pool.js';

/** Make sure the app has its router_routes row (hosts and backends reference it). */
export async function ensureRoute(q: Queryable, app: string): Promise<void> {
  await q.query('INSERT INTO router_routes (app) VALUES ($1) ON CONFLICT DO NOTHING', [app]);
}

/** Route `host` to `app`, with the named certificate or the router's default one. */
export async function putHost(q: Queryable, host: string, app: string, certificate: string | null): Promise<void> {
  await ensureRoute(q, app);
  await q.query(
    `INSERT INTO router_hosts (host, app, certificate) VALUES ($1, $2, $3)
       ON CONFLICT (host) DO UPDATE SET app = EXCLUDED.app, certificate = EXCLUDED.certificate`, [host, app, certificate]);
}

/** Stop routing `host`. */
export async function removeHost(q: Queryable, host: string): Promise<void> {
  await q.query('DELETE FROM router_hosts WHERE host = $1', [host]);
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
