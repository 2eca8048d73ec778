/**
 * When a route change is live: every router records in `router_instances`
 * the database snapshot of the table its workers all serve (router/types.ts,
 * step 5 of a change). A writer takes its transaction's id before commit and
 * waits until every router seen in the last {@link ROUTER_SEEN_SECONDS} s
 * serves a snapshot in which that transaction is visible. No router running
 * means nothing to wait for.
 */
import type { Db, Queryable } from '../db/pool.js';

/** Routers whose heartbeat (every 5 s) is older than this are gone or cut off: nobody waits for them. */
export const ROUTER_SEEN_SECONDS = 15;
const POLL_MS = 10;

/** The id of the current transaction (assigned now if it has none). */
export async function transactionId(q: Queryable): Promise<string> {
  return (await q.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid;
}

/** Routers seen lately that do not serve transaction `xid` yet. */
export async function routersBehind(q: Queryable, xid: string): Promise<number> {
  const res = await q.query<{ behind: number }>(
    `SELECT count(*)::int AS behind FROM router_instances
      WHERE seen_at > now() - make_interval(secs => $2)
        AND (applied_snapshot IS NULL OR NOT pg_visible_in_snapshot($1::xid8, applied_snapshot))`, [xid, ROUTER_SEEN_SECONDS]);
  return res.rows[0]!.behind;
}

/** Resolves true once every router seen lately serves `xid`'s changes; false when `timeoutMs` passed first. */
export async function untilRoutersServe(db: Db, xid: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await routersBehind(db, xid)) === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
