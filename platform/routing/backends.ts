/**
 * The platform's writes of backends into the router's route table
 * (router/types.ts, docs/router.md): which container IP:port serve an app.
 * Callers pass a transaction when the change must land with other rows (the
 * route switch of a deploy); the table's triggers NOTIFY the router at commit.
 */
import type { Queryable } from '../db/pool.js';
import { ensureRoute } from './hosts.js';

/** One address serving the app. */
export interface Backend { address: string; port: number }

/** Make the app's backends exactly `backends` (its route row is created when missing). */
export async function setBackends(q: Queryable, app: string, backends: Backend[]): Promise<void> {
  await ensureRoute(q, app);
  await q.query('DELETE FROM router_backends WHERE app = $1', [app]);
  if (backends.length === 0) return;
  await q.query(
    `INSERT INTO router_backends (app, address, port)
       SELECT $1, a::inet, p FROM unnest($2::text[], $3::int[]) AS b(a, p) ON CONFLICT DO NOTHING`,
    [app, backends.map((b) => b.address), backends.map((b) => b.port)]);
}

/** Add one backend (a replacement process that passed its checks). */
export async function addBackend(q: Queryable, app: string, b: Backend): Promise<void> {
  await ensureRoute(q, app);
  await q.query('INSERT INTO router_backends (app, address, port) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [app, b.address, b.port]);
}

/** Drop one backend at once (a crashed process); unknown ones are fine. */
export async function removeBackend(q: Queryable, app: string, b: Backend): Promise<void> {
  await q.query('DELETE FROM router_backends WHERE app = $1 AND address = $2::inet AND port = $3', [app, b.address, b.port]);
}

/** The app's backends as the router sees them. */
export async function listBackends(q: Queryable, app: string): Promise<Backend[]> {
  const res = await q.query<{ address: string; port: number }>(
    'SELECT host(address) AS address, port FROM router_backends WHERE app = $1 ORDER BY address, port', [app]);
  return res.rows;
}
