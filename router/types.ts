/**
 * The edge router's contracts.
 *
 * The router's only contract with the rest of tspaas is the *route table* in
 * PostgreSQL and the NOTIFY channel that announces changes to it (see
 * docs/router.md for the SQL). The platform writes rows; the router reads them.
 * The router imports no platform code and the platform imports none of the
 * router's: they share this vocabulary only through the table's columns.
 *
 * Vocabulary
 * - *route*: what the router does for one app: its options (maintenance,
 *   HTTPS redirect, limits, timeouts, balancing) and, through its app name,
 *   its backends and hosts. One row of `router_routes`.
 * - *host*: a name clients put in `Host:` / SNI. Exact (`shop.example.com`) or
 *   wildcard (`*.example.com`, which matches one or more labels in front of
 *   `example.com`; the most specific wildcard wins). One row of `router_hosts`.
 *   Every app also answers on its *default domain* `<app>.<base-domain>`
 *   without any host row (base domain from the router's config, default
 *   `localhost`, so `http://myapp.localhost:PORT` works in curl and browsers).
 * - *backend*: one `IP:port` serving an app (a container's web process), with a
 *   weight. One row of `router_backends`. A backend that leaves the table is
 *   *drained*: requests already on it finish, WebSockets get a grace period,
 *   new requests go elsewhere.
 * - *certificate*: a PEM certificate chain + key, named; hosts refer to it by
 *   name. One row of `router_certificates`. A TLS handshake for a host without
 *   a certificate gets the router's default self-signed certificate.
 *
 * Lifecycle of a change
 * 1. The platform writes the tables (in a transaction if the change spans rows).
 * 2. A statement trigger sends NOTIFY on {@link ROUTER_CHANNEL}; PostgreSQL
 *    delivers it at commit.
 * 3. The router's primary process (the only one connected to PostgreSQL)
 *    reloads the whole table in one statement, numbers the result with a new
 *    generation and sends it to every worker over the cluster's IPC channel.
 * 4. Each worker compiles the snapshot into its lookup structures and swaps
 *    them in one assignment. Requests in flight keep the objects they started
 *    with. The promise: applied in every worker within 100 ms of the commit.
 * 5. Once every worker serves it, the primary records the load's database
 *    snapshot in its row of `router_instances` (with a heartbeat every 5 s;
 *    the row goes when the router stops). A writer that must know its change
 *    is live — a deploy, before it stops the backends it took out — waits
 *    until every router seen in the last 15 s serves a snapshot in which its
 *    transaction is visible (`pg_visible_in_snapshot`).
 *
 * When PostgreSQL is away, workers keep the last snapshot and keep serving;
 * the primary reconnects with backoff and reloads once it is back.
 */

/** Channel the route table's triggers NOTIFY on. */
export const ROUTER_CHANNEL = 'tspaas_router';

/**
 * Payload of a notification on {@link ROUTER_CHANNEL}: which table changed and
 * how (JSON text). Informational: the router reloads the whole table on any
 * notification, so writers may also `NOTIFY tspaas_router` by hand.
 */
export interface RouteNotification {
  table: 'router_routes' | 'router_hosts' | 'router_backends' | 'router_certificates';
  op: 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';
}

/** How a route spreads requests over its backends. */
export type BalanceMode = 'round-robin' | 'least-connections';

/** One row of `router_routes` as the router reads it (nullable columns fall back to the router's defaults). */
export interface RouteRow {
  /** App name: a DNS label (`[a-z0-9]([a-z0-9-]*[a-z0-9])?`), also the default domain's first label. */
  app: string;
  /** Answer 503 (maintenance page) instead of proxying. */
  maintenance: boolean;
  /** Plain-HTTP requests get a 308 to the same URL on HTTPS. */
  redirect_https: boolean;
  /** Largest request body in bytes; bigger ones get 413. Null: no limit. */
  max_body_bytes: number | null;
  /** Connecting to a backend may take this long before the next backend is tried. */
  connect_timeout_ms: number | null;
  /** A backend must start its response within this time (else 504). Default 30 000, like Heroku. */
  request_timeout_ms: number | null;
  /** After the response started (and on WebSockets), this much silence ends the exchange. */
  idle_timeout_ms: number | null;
  /** Null: the router's default (round-robin). */
  balance: BalanceMode | null;
}

/** One row of `router_hosts`. */
export interface HostRow {
  /** Lower-case host without port; `*.` prefix for a wildcard. Primary key. */
  host: string;
  app: string;
  /** Name in `router_certificates`, or null for the default certificate. */
  certificate: string | null;
}

/** One row of `router_backends`. */
export interface BackendRow {
  app: string;
  /** IPv4 or IPv6 address (PostgreSQL `inet`, no prefix length). */
  address: string;
  port: number;
  /** Relative share of requests, 1–100. */
  weight: number;
}

/** One row of `router_certificates`. */
export interface CertificateRow {
  name: string;
  /** PEM: the leaf certificate first, then intermediates. */
  cert_pem: string;
  /** PEM private key (unencrypted). */
  key_pem: string;
}

/**
 * The whole table at one instant, as the primary sends it to workers. Plain
 * data (it crosses the IPC channel as JSON).
 */
export interface RouteSnapshot {
  /** Increases by one with every load; workers report the one they serve. */
  generation: number;
  routes: RouteRow[];
  hosts: HostRow[];
  backends: BackendRow[];
  certificates: CertificateRow[];
}

/** `--data-path`: the fast path, or node's HTTP stack with http-proxy for everything. */
export type DataPath = 'fast' | 'http-proxy';

/** Router-wide defaults for what a route row leaves null, and the edge's own limits. */
export interface ProxyDefaults {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  balance: BalanceMode;
  /** A backend that refused or reset a connection is skipped this long. */
  backendDownMs: number;
  /** In-flight requests and WebSockets of a removed backend get this long to finish. */
  drainGraceMs: number;
  /** Keep-alive sockets per backend, per worker (busy + idle). */
  maxSocketsPerBackend: number;
  maxIdleSocketsPerBackend: number;
  /** An idle keep-alive connection to a backend closes after this long. */
  backendKeepAliveMs: number;
}

/** Configuration of `tspaas-router`, parsed and frozen by router/main.ts. */
export interface RouterConfig {
  /** PostgreSQL holding the route table (DATABASE_URL). */
  databaseUrl: string;
  /** Address the public listeners bind to (default 0.0.0.0). */
  bindAddress: string;
  httpPort: number;
  /** 0 disables HTTPS. */
  httpsPort: number;
  /** Admin endpoint, always bound to 127.0.0.1. 0 disables it. */
  adminPort: number;
  /** Worker processes (default: one per core). */
  workers: number;
  /** Apps answer on `<app>.<baseDomain>`. */
  baseDomain: string;
  /** Where the default self-signed certificate lives (generated at first start). */
  stateDir: string;
  /** Access log: a file path, `-` for stdout, or null for none. */
  accessLog: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Client side: idle keep-alive connections close after this long. */
  keepAliveTimeoutMs: number;
  /** Client side: all request headers must arrive within this time (slow-client protection). */
  headersTimeoutMs: number;
  /** Client side: largest request head in bytes (431 above it). */
  maxHeaderBytes: number;
  /** Client side: open connections per worker, in all and from one client address (more are refused). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Which code carries plain HTTP requests: the fast path (router/fast) or node's http.Server with http-proxy. */
  dataPath: DataPath;
  proxy: ProxyDefaults;
}

/** One access-log line (JSON): one finished or aborted client request. */
export interface AccessLogEntry {
  /** ISO 8601, when the response finished. */
  time: string;
  host: string;
  method: string;
  path: string;
  status: number;
  /** Response body bytes sent to the client. */
  bytes: number;
  /** Milliseconds from request head to response end. */
  duration_ms: number;
  /** `IP:port` of the backend that answered, or null (router answered itself). */
  backend: string | null;
  request_id: string;
  /** App of the matched route, or null. */
  app: string | null;
}

/** Upper bounds (ms) of the latency histogram's buckets; a last bucket counts the rest. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

/** Per-app counters of one worker, or summed over all workers. */
export interface AppStats {
  requests: number;
  /** Responses by class: `2xx`, `3xx`, `4xx`, `5xx`. */
  status: Record<string, number>;
  /** Counts per bucket of {@link LATENCY_BUCKETS_MS}, plus one for slower. */
  latency: number[];
}

/** What one worker reports to the admin endpoint. */
export interface WorkerStatus {
  /** Cluster worker id. */
  id: number;
  pid: number;
  /** Generation of the snapshot it serves (0: none yet). */
  generation: number;
  /** When it applied that snapshot (ms since the epoch). */
  appliedAt: number;
  /** Requests and WebSockets in flight. */
  inflight: number;
  /** The data path serving plain HTTP (`--data-path`). */
  dataPath: DataPath;
  /** Client connections: open now, and refused by the caps (`--max-connections`, `--max-connections-per-ip`) since the worker started. */
  connections: { open: number; refusedTotal: number; refusedPerAddress: number };
  apps: Record<string, AppStats>;
}

/** `GET /stats` of the admin endpoint. */
export interface AdminStats {
  /** Generation the primary last loaded, and when (ms since the epoch). */
  generation: number;
  loadedAt: number;
  /** Whether the primary currently holds a PostgreSQL connection. */
  database: 'connected' | 'disconnected';
  workers: WorkerStatus[];
  /** Sum over workers. */
  apps: Record<string, AppStats>;
}

/** The public listeners, as named in a connection's hand-off to a worker. */
export type PublicListener = 'http' | 'https';

/** Messages from the primary to a worker. */
export type PrimaryMessage =
  | { type: 'snapshot'; snapshot: RouteSnapshot }
  /** A client connection accepted on `listener`; the handle comes with the message (router/edge/distribute.ts). */
  | { type: 'connection'; listener: PublicListener }
  | { type: 'status'; requestId: number }
  | { type: 'shutdown' };

/** Messages from a worker to the primary. */
export type WorkerMessage =
  | { type: 'ready' }
  /** The worker now serves this generation. */
  | { type: 'applied'; generation: number }
  | { type: 'status'; requestId: number; status: WorkerStatus };
