/**
 * A route snapshot compiled for the hot path: exact hosts and wildcard
 * suffixes in maps, app routes with their defaults resolved and their backend
 * pools built, and a memo from the raw `Host:` header to the answer, so a
 * request usually costs one map lookup. A worker swaps whole tables; requests
 * in flight keep the one they started with.
 */
import { isIpLiteral } from '../../lib/hostnames.js';
import { Pool, type Member } from '../proxy/balancer.js';
import type { Backend, BackendRegistry } from '../proxy/backends.js';
import type { ProxyDefaults, RouteRow, RouteSnapshot } from '../types.js';

/** One app's routing, defaults applied. */
export interface Route {
  app: string;
  maintenance: boolean;
  redirectHttps: boolean;
  /** Infinity when the route sets no limit. */
  maxBodyBytes: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  pool: Pool;
}

/** What a host name resolves to. */
export interface HostEntry {
  route: Route;
  /** Certificate name for SNI; null = the default certificate. */
  certificate: string | null;
}

/** Raw `Host:` values remembered per table; cleared when full so junk hosts cannot grow it. */
const MEMO_MAX = 10_000;

/** The compiled table of one snapshot. */
export class RouteTable {
  private readonly memo = new Map<string, HostEntry | null>();

  constructor(
    readonly generation: number,
    private readonly exact: Map<string, HostEntry>,
    private readonly wildcard: Map<string, HostEntry>,
    private readonly apps: Map<string, Route>,
    private readonly baseSuffix: string,
  ) {}

  /** The entry for a `Host:` header or SNI name (any case, optional port), or null. */
  match(host: string | undefined): HostEntry | null {
    if (host === undefined) return null;
    const hit = this.memo.get(host);
    if (hit !== undefined) return hit;
    const entry = this.resolve(normalizeHost(host));
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(host, entry);
    return entry;
  }

  /** Exact host, then the default domain `<app>.<base>`, then the most specific wildcard; never an IP literal. */
  private resolve(host: string): HostEntry | null {
    // `Host: 127.1` or `[::1]` names no app, whatever rows the table holds (a `*.0.1` row must not catch `127.0.0.1`).
    if (isIpLiteral(host)) return null;
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    if (host.endsWith(this.baseSuffix)) {
      const label = host.slice(0, host.length - this.baseSuffix.length);
      const route = label.includes('.') ? undefined : this.apps.get(label);
      if (route !== undefined) return { route, certificate: null };
    }
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const entry = this.wildcard.get(host.slice(dot + 1));
      if (entry !== undefined) return entry;
    }
    return null;
  }
}

/** `Shop.Example.com:8080` → `shop.example.com`; `[::1]:80` → `[::1]`. */
export function normalizeHost(host: string): string {
  let end = host.length;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && host.indexOf(']', colon) === -1) end = colon;
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* . */) end--;
  return host.slice(0, end).toLowerCase();
}

/** Compile `snapshot`; `backends` lists every backend it uses (the registry drains the others). */
export function compileTable(
  snapshot: RouteSnapshot, defaults: ProxyDefaults, baseDomain: string, registry: BackendRegistry,
): { table: RouteTable; backends: Set<Backend> } {
  const members = new Map<string, Member[]>();
  const used = new Set<Backend>();
  for (const b of snapshot.backends) {
    const backend = registry.get(b.address, b.port);
    used.add(backend);
    const list = members.get(b.app) ?? [];
    list.push({ backend, weight: b.weight });
    members.set(b.app, list);
  }
  const apps = new Map<string, Route>();
  for (const row of snapshot.routes) apps.set(row.app, toRoute(row, defaults, members.get(row.app) ?? []));
  const exact = new Map<string, HostEntry>();
  const wildcard = new Map<string, HostEntry>();
  for (const h of snapshot.hosts) {
    const route = apps.get(h.app);
    if (route === undefined) continue;
    const entry = { route, certificate: h.certificate };
    if (h.host.startsWith('*.')) wildcard.set(h.host.slice(2), entry);
    else exact.set(h.host, entry);
  }
  return { table: new RouteTable(snapshot.generation, exact, wildcard, apps, `.${baseDomain}`), backends: used };
}

function toRoute(row: RouteRow, d: ProxyDefaults, members: Member[]): Route {
  return {
    app: row.app,
    maintenance: row.maintenance,
    redirectHttps: row.redirect_https,
    maxBodyBytes: row.max_body_bytes ?? Infinity,
    connectTimeoutMs: row.connect_timeout_ms ?? d.connectTimeoutMs,
    requestTimeoutMs: row.request_timeout_ms ?? d.requestTimeoutMs,
    idleTimeoutMs: row.idle_timeout_ms ?? d.idleTimeoutMs,
    pool: new Pool(members, row.balance ?? d.balance),
  };
}
