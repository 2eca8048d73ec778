/**
 * One request on the fast path (an *exchange*) and what every exchange of a
 * worker shares. Plain fields instead of node's request/response objects:
 * the fast path's per-request cost is this object, two strings (the heads)
 * and the parser's header list.
 */
import type net from 'node:net';
import type { PageReason } from '../pages/errors.js';
import { BaseExchange } from '../edge/exchange.js';
import type { DeadlineWheel, Timed } from '../proxy/deadlines.js';
import type { Edge, WorkerContext } from '../proxy/exchange.js';
import type { RequestFacts } from './head.js';

/** What the fast path of one worker shares. */
export interface FastContext {
  worker: WorkerContext;
  /** Request and idle timeouts of exchanges waiting on or streaming from a backend. */
  requests: DeadlineWheel<FastExchange>;
  /** Headers and keep-alive timeouts of client connections, and the keep-alive of idle backend connections (upstream.ts). */
  connections: DeadlineWheel<Timed & { expire(): void }>;
  /** Open client connections (closed at shutdown). */
  open: Set<{ shutdown(): void }>;
  keepAliveSeconds: number;
}

/** The listener a fast connection came in on: plain HTTP, or HTTPS with TLS already ended by the worker. */
export interface FastListener {
  /** Encrypted or not, proto and port (for X-Forwarded-*; plain requests of a redirecting route are sent to HTTPS). */
  edge: Edge;
  /** Give a socket (its unread bytes put back) to node's http.Server of this listener, with http-proxy. */
  handOff(socket: net.Socket): void;
}

/** What an exchange needs from its client connection (connection.ts). */
export interface ClientSide {
  readonly ctx: FastContext;
  readonly listener: FastListener;
  readonly socket: net.Socket;
  keepAlive: boolean;
  /** Gather what follows (heads, body pieces) until `flush`: a backend read is being handled. */
  gather(): void;
  /** Write what was gathered as one buffer (copied: the pieces may be the backend's read buffer); false when the client's buffer is full. */
  flush(): boolean;
  /** The backend's response started: its head for the client. */
  writeHead(head: string): void;
  /** A body piece for the client; false when the client's buffer is full. */
  writeBody(data: Buffer, chunk: boolean): boolean;
  /** The response is complete (`status`), or cut short (the client connection is closed). */
  responseEnded(x: FastExchange, status: number): void;
  /** The request waited for a connection to its backend and has one now: body bytes held meanwhile go on. */
  attached(): void;
  /** The router answers with one of its pages (no response byte went out yet). */
  refuse(x: FastExchange, reason: PageReason): void;
}

/** The state of one request on the fast path: the shared fields (edge/exchange.ts) and the raw connections'. */
export class FastExchange extends BaseExchange {
  /** The connection to the backend of the current attempt. */
  upstream: { socket: net.Socket } | null = null;
  /** Waiting for a connection to its backend (`--max-sockets` busy ones open). */
  queued = false;
  /** The head sent to the backend (kept for a retry). */
  head = '';
  /** The request has a body (never retried: its bytes already went to the failed attempt). */
  hasBody = false;
  /** Every request byte went to the backend. */
  requestDone = false;
  /** The response head went to the client. */
  responseStarted = false;
  /** The router frames the response body chunked (the backend sent no Content-Length). */
  chunkOut = false;
  status = 0;

  constructor(readonly client: ClientSide, readonly method: string, readonly url: string, readonly facts: RequestFacts) {
    super(facts.requestId, client.socket.bytesWritten);
  }
}

/** Stats and access log of one exchange. */
export function record(ctx: FastContext, x: FastExchange, status: number, bytes: number): void {
  const ms = Math.round((performance.now() - x.start) * 1000) / 1000;
  const app = x.entry === null ? null : x.entry.route.app;
  if (app !== null) ctx.worker.stats.record(app, status, ms);
  if (!ctx.worker.accessLog.enabled) return;
  ctx.worker.accessLog.write({
    host: x.facts.host ?? '', method: x.method, path: x.url, status, bytes, duration_ms: ms, backend: x.answeredBy, request_id: x.requestId, app,
  });
}
