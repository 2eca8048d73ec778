/**
 * The route table as the primary sees it: one PostgreSQL connection that
 * LISTENs on the router's channel and reloads the whole table, in one
 * statement, at connect and after every notification. Notifications that
 * arrive during a load are folded into one more load. When the connection
 * fails (PostgreSQL stopped, network gone) it reconnects with backoff; the
 * workers keep serving the last snapshot meanwhile. A missing table (no
 * migrations yet) is logged and retried the same way.
 *
 * It also keeps this router's row of `router_instances`: `acknowledge` records
 * the database snapshot of a load once every worker applied it, a heartbeat
 * refreshes `seen_at`, and `close` deletes the row (a router that is gone is
 * waited for by nobody).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { ROUTER_CHANNEL, type RouteSnapshot } from '../types.js';

/** The whole table in one statement, so the snapshot is consistent. */
const LOAD_SQL = `SELECT pg_current_snapshot()::text AS snapshot, json_build_object(
  'routes', (SELECT coalesce(json_agg(r), '[]') FROM (SELECT app, maintenance, redirect_https, max_body_bytes::float8 AS max_body_bytes,
     connect_timeout_ms, request_timeout_ms, idle_timeout_ms, balance FROM router_routes) r),
  'hosts', (SELECT coalesce(json_agg(h), '[]') FROM (SELECT host, app, certificate FROM router_hosts) h),
  'backends', (SELECT coalesce(json_agg(b), '[]') FROM (SELECT app, host(address) AS address, port, weight FROM router_backends) b),
  'certificates', (SELECT coalesce(json_agg(c), '[]') FROM (SELECT name, cert_pem, key_pem FROM router_certificates) c)
) AS t`;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;
/** How often the router's row says it is alive (writers stop waiting for routers unseen for 15 s). */
export const HEARTBEAT_MS = 5_000;

const ACK_SQL = `INSERT INTO router_instances (id, applied_snapshot, applied_at, seen_at) VALUES ($1, $2::text::pg_snapshot, now(), now())
  ON CONFLICT (id) DO UPDATE SET applied_snapshot = EXCLUDED.applied_snapshot, applied_at = now(), seen_at = now()`;
const HEARTBEAT_SQL = `INSERT INTO router_instances (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET seen_at = now()`;

/** A live source of snapshots; `close` stops it. */
export interface RouteSource {
  /** True while a connection is up and listening. */
  readonly connected: boolean;
  /** Every worker serves the load whose database snapshot is `dbSnapshot`: say so in `router_instances`. */
  acknowledge(dbSnapshot: string): void;
  close(): Promise<void>;
}

type Tables = Omit<RouteSnapshot, 'generation'>;

/**
 * Start listening; `onSnapshot` gets every successfully loaded table, numbered
 * from 1, with the database snapshot it was read in. `instanceId` names this
 * router's row of `router_instances`.
 */
export function watchRouteTable(databaseUrl: string, instanceId: string, log: Logger,
  onSnapshot: (s: RouteSnapshot, dbSnapshot: string) => void): RouteSource {
  let client: pg.Client | null = null;
  let closed = false;
  let connected = false;
  let generation = 0;
  let loading = false;
  let again = false;
  let delay = RETRY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  /** Upsert this router's row: the applied snapshot, or only the heartbeat. A failure is logged (the connection's own handler reconnects). */
  const report = (c: pg.Client, dbSnapshot: string | null) => {
    const q = dbSnapshot === null ? c.query(HEARTBEAT_SQL, [instanceId]) : c.query(ACK_SQL, [instanceId, dbSnapshot]);
    q.catch((err: unknown) => {
      if ((err as { code?: string }).code === '42P01') return; // migrations not applied yet
      log.warn({ err: (err as Error).message }, 'could not record the applied route table');
    });
  };
  const heartbeat = setInterval(() => { if (client && connected) report(client, null); }, HEARTBEAT_MS);
  heartbeat.unref();

  const load = async (c: pg.Client) => {
    if (loading) { again = true; return; }
    loading = true;
    try {
      do {
        again = false;
        const row = (await c.query<{ t: Tables; snapshot: string }>({ name: 'tspaas-router-load', text: LOAD_SQL })).rows[0];
        onSnapshot({ generation: ++generation, ...row.t }, row.snapshot);
      } while (again && !closed);
    } finally {
      loading = false;
    }
  };

  const fail = (c: pg.Client, err: unknown) => {
    if (client !== c) return;
    client = null;
    connected = false;
    void c.end().catch(() => undefined);
    if (closed) return;
    const missing = (err as { code?: string }).code === '42P01';
    log.warn({ err: (err as Error).message, retryMs: delay },
      missing ? 'route table missing (migrations not applied yet); retrying' : 'route table unavailable; serving the last routes and retrying');
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: databaseUrl, keepAlive: true, connectionTimeoutMillis: 5_000 });
    client = c;
    c.on('error', (err) => fail(c, err));
    c.on('end', () => fail(c, new Error('connection ended')));
    // One commit delivers its notifications together: fold them into one load.
    let queued = false;
    c.on('notification', () => {
      if (queued) return;
      queued = true;
      setImmediate(() => { queued = false; load(c).catch((err: unknown) => fail(c, err)); });
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${ROUTER_CHANNEL}`);
      await load(c);
      connected = true;
      if (delay > RETRY_MIN_MS) log.info('route table connected again');
      delay = RETRY_MIN_MS;
    } catch (err) {
      fail(c, err);
    }
  };

  void connect();
  return {
    get connected() { return connected; },
    acknowledge(dbSnapshot) {
      if (client) report(client, dbSnapshot);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      const c = client;
      client = null;
      await c?.query('DELETE FROM router_instances WHERE id = $1', [instanceId]).catch(() => undefined);
      await c?.end().catch(() => undefined);
    },
  };
}
