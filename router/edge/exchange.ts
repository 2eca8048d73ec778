/**
 * What every request (an *exchange*) carries on either data path: its id,
 * its route, the backends it tried, its place on the worker's deadline wheel
 * and its byte counts. The fast path (router/fast/exchange.ts) and the
 * http-proxy path (router/proxy/exchange.ts) extend it with their own
 * handles, so both log, time out and retry by the same fields.
 */
import { randomUUID } from 'node:crypto';
import type { Backend } from '../proxy/backends.js';
import type { Timed } from '../proxy/deadlines.js';
import type { HostEntry } from '../table/compile.js';

/** Heroku's rule for a client's X-Request-Id: 20–200 of these characters; anything else is replaced. */
const VALID_REQUEST_ID = /^[A-Za-z0-9+/=._:-]{20,200}$/;

/** The state of one request that both data paths share. */
export abstract class BaseExchange implements Timed {
  readonly start = performance.now();
  /** The client's X-Request-Id when it is valid, else a new UUID. */
  readonly requestId: string;
  /** The route of the request's host (null until found, or when there is none). */
  entry: HostEntry | null = null;
  /** Backend of the current attempt (it counts in its in-flight). */
  backend: Backend | null = null;
  /** Backend that produced the response, for the access log. */
  answeredBy: string | null = null;
  /** Backends already tried for this request. */
  tried: Backend[] | null = null;
  /** The request timeout passed (the router answers 504, or cuts the response short). */
  timedOut = false;
  /** Request body bytes seen so far (checked against the route's limit). */
  bodyBytes = 0;
  /** Place on the worker's deadline wheel (see deadlines.ts). */
  wheelSlot: Timed[] | null = null;
  wheelIndex = 0;
  /** While a response streams: bytes moved on both connections at the last look (-1: not looked yet), and when they last changed. */
  activity = -1;
  activeAt = 0;
  /** Bytes the client connection had sent before this exchange (keep-alive connections carry many). */
  readonly sentBefore: number;

  constructor(givenRequestId: string | undefined, sentBefore: number) {
    this.requestId = givenRequestId !== undefined && VALID_REQUEST_ID.test(givenRequestId) ? givenRequestId : randomUUID();
    this.sentBefore = sentBefore;
  }
}
