/**
 * Backends as one worker knows them: one object per `IP:port`, kept across
 * route snapshots so its keep-alive agent, health and in-flight counts survive
 * table changes. A backend that leaves the table is drained: requests on it
 * finish, WebSockets get the grace period, then its sockets are closed.
 */
import http from 'node:http';
import type net from 'node:net';
import type HttpProxy from 'http-proxy';
import type { ProxyDefaults } from '../types.js';

/** What http-proxy gets for one backend; built once, reused by every request. */
export interface ProxyTarget {
  target: { protocol: 'http:'; host: string; hostname: string; port: number };
  agent: http.Agent | false;
  selfHandleResponse: boolean;
  toProxy: true;
  backend: Backend;
}

/** Makes a backend's own http-proxy instance (the forwarding hooks attached) from its fixed options. */
export type ProxyFactory = (options: ProxyTarget) => HttpProxy;

/** One `IP:port` and its connection state in this worker. */
export class Backend {
  /** `10.0.0.5:5000` or `[fd00::5]:5000`: the access log's `backend`. */
  readonly key: string;
  readonly agent: http.Agent;
  /** http-proxy options for plain requests (keep-alive agent, we write the response). */
  readonly web: ProxyTarget;
  /** http-proxy options for upgrades (own connection per tunnel). */
  readonly ws: ProxyTarget;
  /**
   * This backend's http-proxy instance for plain requests, created with `web`
   * as its options: `proxy.web(req, res, callback)` then copies no options
   * per request (a shared instance given per-request options copies them all).
   */
  readonly proxy: HttpProxy;
  /** Requests on this backend right now. */
  inflight = 0;
  /** Refused or reset connections make it skipped until then (ms since the epoch); 0 = up. */
  downUntil = 0;
  draining = false;
  /** Drained and closed: its sockets are gone. */
  closed = false;
  /** Open WebSocket tunnels: [client socket, backend socket]. */
  readonly tunnels = new Set<net.Socket>();
  readonly address: string;
  readonly port: number;
  /** The fast path's idle keep-alive connections to this backend (router/fast/upstream.ts), most recent last. */
  readonly idleSockets: net.Socket[] = [];
  /** At most this many of them. */
  readonly maxIdle: number;
  /** At most this many connections busy with a request at once (`--max-sockets`; more requests wait). */
  readonly maxSockets: number;
  /** An idle keep-alive connection closes after this long (both data paths). */
  readonly keepAliveMs: number;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(address: string, port: number, limits: ProxyDefaults, makeProxy: ProxyFactory) {
    this.key = backendKey(address, port);
    this.address = address;
    this.port = port;
    this.maxIdle = limits.maxIdleSocketsPerBackend;
    this.maxSockets = limits.maxSocketsPerBackend;
    this.keepAliveMs = limits.backendKeepAliveMs;
    this.agent = new http.Agent({
      keepAlive: true, maxSockets: limits.maxSocketsPerBackend, maxFreeSockets: limits.maxIdleSocketsPerBackend,
      scheduling: 'lifo', timeout: limits.backendKeepAliveMs,
    });
    const target = { protocol: 'http:' as const, host: address, hostname: address, port };
    this.web = { target, agent: this.agent, selfHandleResponse: true, toProxy: true, backend: this };
    this.ws = { target, agent: false, selfHandleResponse: false, toProxy: true, backend: this };
    this.proxy = makeProxy(this.web);
  }

  /** A request (or tunnel) ended; a drained backend closes once idle. */
  release(): void {
    this.inflight--;
    if (this.draining && this.inflight === 0 && this.tunnels.size === 0) this.close();
  }

  /** Keep a WebSocket tunnel's sockets so a drain can end them after the grace period. */
  track(socket: net.Socket): void {
    this.tunnels.add(socket);
    socket.once('close', () => {
      this.tunnels.delete(socket);
      if (this.draining && this.inflight === 0 && this.tunnels.size === 0) this.close();
    });
  }

  /** Stop taking new work; close when idle or after `graceMs`. */
  drain(graceMs: number): void {
    if (this.draining) return;
    this.draining = true;
    if (this.inflight === 0 && this.tunnels.size === 0) return this.close();
    this.drainTimer = setTimeout(() => this.close(), graceMs);
    this.drainTimer.unref();
  }

  /** Back in the table before the drain finished. */
  undrain(): void {
    this.draining = false;
    clearTimeout(this.drainTimer);
  }

  private close(): void {
    clearTimeout(this.drainTimer);
    this.closed = true;
    for (const s of this.tunnels) s.destroy();
    for (const s of this.idleSockets.splice(0)) s.destroy();
    this.agent.destroy();
  }
}

/** The key of `address:port` (IPv6 in brackets). */
export function backendKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** All backends of one worker, by key. */
export class BackendRegistry {
  private readonly live = new Map<string, Backend>();
  private readonly draining = new Map<string, Backend>();

  constructor(private readonly limits: ProxyDefaults, private readonly makeProxy: ProxyFactory) {}

  /** The backend for `address:port`, created or brought back from draining. */
  get(address: string, port: number): Backend {
    const key = backendKey(address, port);
    const existing = this.live.get(key) ?? this.draining.get(key);
    if (existing === undefined || existing.closed) {
      const created = new Backend(address, port, this.limits, this.makeProxy);
      this.draining.delete(key);
      this.live.set(key, created);
      return created;
    }
    if (existing.draining) {
      existing.undrain();
      this.draining.delete(existing.key);
      this.live.set(existing.key, existing);
    }
    return existing;
  }

  /** After a snapshot: drain every backend that is not in `keep`. */
  retain(keep: Set<Backend>): void {
    for (const b of this.draining.values()) if (b.closed) this.draining.delete(b.key);
    for (const [key, b] of this.live) {
      if (keep.has(b)) continue;
      this.live.delete(key);
      this.draining.set(key, b);
      b.drain(this.limits.drainGraceMs);
    }
  }

  /** Backends still draining (admin and tests). */
  drainingCount(): number {
    return this.draining.size;
  }
}
