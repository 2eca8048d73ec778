/**
 * What every Engine API handler works with: one call of the API (an
 * `ApiCall`: the request, its response and the route's parameters) plus the
 * state the server shares between calls.
 *
 * Handlers are `(call) => Promise<void>`: parse the request, call the engine,
 * translate the result to Docker's JSON, reply. A handler that throws lets
 * the server reply with the error (see http/errors.ts); nothing else maps
 * errors to statuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Engine, Logger } from '../types.js';
import type { EventLog } from './events.js';

/** Where handlers report failures that clients only see as "internal error": the error level of the engine's Logger (pino fits). */
export type ApiLogger = Pick<Logger, 'error'>;

/**
 * A source-to-image builder plugged in by the daemon (tspaas's buildpacks,
 * buildpacks/types.ts); the engine knows only this shape. It reads the
 * source tar, reports output lines and resolves with a JSON-able result.
 */
export type SourceBuilder = (request: SourceBuildRequest, onLine: (line: string) => void) => Promise<object>;

export interface SourceBuildRequest {
  source: import('node:stream').Readable;
  tag: string;
  buildpacks: string[];
  env: Record<string, string>;
  /** Network of the build container ("none" builds offline). */
  network?: string;
}

/** State shared by all requests of one server. */
export interface ApiContext {
  readonly engine: Engine;
  /** tspaas's own version, reported by /version and /info. */
  readonly version: string;
  readonly events: EventLog;
  readonly log: ApiLogger;
  /** Connections taken over by attach/exec; the server destroys them on close. */
  readonly hijacked: Set<Socket>;
  /** `POST /tspaas/buildpacks/build`; absent = the route answers 501. */
  readonly sourceBuilder?: SourceBuilder;
}

/** A request that asked to switch protocols (`Connection: Upgrade`, `Upgrade: tcp`). */
export interface UpgradeState {
  socket: Socket;
  /** Bytes received after the request headers that no one has consumed yet. */
  head: Buffer;
}

/**
 * One call of the Engine API as a handler sees it. (Not the router's
 * `Exchange` in router/proxy/exchange.ts, which is a proxied request.)
 */
export interface ApiCall {
  readonly ctx: ApiContext;
  readonly req: IncomingMessage;
  /** For upgrade requests: a response bound to the raw socket, for replies sent before any hijack. */
  readonly res: ServerResponse;
  params: Record<string, string | undefined>;
  readonly query: URLSearchParams;
  /** API version the client asked for (the `/v1.NN` prefix), or the server's own when absent. */
  apiVersion: string;
  readonly upgrade: UpgradeState | null;
  /** Set once the connection was hijacked; errors can then only close it. */
  hijacked: boolean;
}

export type Handler = (call: ApiCall) => Promise<void>;

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** One entry of a route table; paths use find-my-way's syntax (`:id`, trailing `*`). */
export interface Route {
  method: Method;
  path: string;
  handler: Handler;
}
