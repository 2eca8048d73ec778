/**
 * One client request as it crosses a worker (an *exchange*), and the worker
 * context every step reads. The hot path keeps per-request state in one
 * object hung on the request, so the handlers are shared functions rather than
 * closures made for every request.
 */
import type http from 'node:http';
import type HttpProxy from 'http-proxy';
import type { AccessLog } from '../observe/access-log.js';
import type { Stats } from '../observe/stats.js';
import type { ErrorPages } from '../pages/errors.js';
import type { RouteTable } from '../table/compile.js';
import type { RouterConfig } from '../types.js';
import { BaseExchange } from '../edge/exchange.js';
import type { DeadlineWheel } from './deadlines.js';

/** The listener a request came in on. */
export interface Edge {
  encrypted: boolean;
  /** `http` or `https`, for X-Forwarded-Proto. */
  proto: string;
  /** The listener's port as a string, for X-Forwarded-Port. */
  port: string;
}

/** What one worker shares between all its requests. */
export interface WorkerContext {
  config: Readonly<RouterConfig>;
  /** The table in force; replaced whole when a snapshot arrives (null until the first). */
  table: RouteTable | null;
  proxy: HttpProxy;
  pages: ErrorPages;
  stats: Stats;
  accessLog: AccessLog;
  /** Request and idle timeouts of every exchange waiting on a backend. */
  deadlines: DeadlineWheel<Exchange>;
  /** Requests and tunnels in flight in this worker. */
  inflight: number;
}

/** Where an exchange hangs on its request (and on its backend request). */
export const EXCHANGE = Symbol('tspaas.exchange');

/** The state of one request on the http-proxy path: the shared fields (edge/exchange.ts) and node's HTTP objects. */
export class Exchange extends BaseExchange {
  proxyReq: http.ClientRequest | null = null;
  /** The backend's response while it streams to the client. */
  proxyRes: http.IncomingMessage | null = null;
  /** Answered 504 while waiting for a connection to its backend (`--max-sockets` busy). */
  waitedOut = false;

  constructor(readonly ctx: WorkerContext, readonly edge: Edge, readonly req: http.IncomingMessage, readonly res: http.ServerResponse | null) {
    const given = req.headers['x-request-id'];
    super(typeof given === 'string' ? given : undefined, req.socket.bytesWritten);
  }
}

/** The exchange of a request (set by the worker before any pass runs). */
export function exchangeOf(req: object): Exchange {
  return (req as unknown as { [EXCHANGE]: Exchange })[EXCHANGE];
}

/** Hang `x` on `carrier` (a request or a backend request). */
export function attach(carrier: object, x: Exchange): void {
  (carrier as { [EXCHANGE]?: Exchange })[EXCHANGE] = x;
}

/** The exchange hung on a backend request, if any. */
export function exchangeOfProxyReq(proxyReq: http.ClientRequest): Exchange | undefined {
  return (proxyReq as unknown as { [EXCHANGE]?: Exchange })[EXCHANGE];
}
