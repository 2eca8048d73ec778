/**
 * What the fast path does with a parsed request head before any backend is
 * involved: hand it to the http-proxy path, refuse its framing, or answer it
 * with one of the router's own responses (the passes of
 * router/proxy/passes.ts, in the same order, on head facts instead of node's
 * request object).
 */
import type { PageReason } from '../pages/errors.js';
import type { FastExchange } from './exchange.js';
import type { RequestFacts } from './head.js';

/** The head as llhttp gave it. */
export interface ParsedHead {
  major: number;
  minor: number;
  method: string;
  upgrade: boolean;
  facts: RequestFacts;
}

/**
 * Requests the fast path leaves to node's http.Server and http-proxy:
 * upgrades (WebSocket; CONNECT counts as one for llhttp), `Expect` (node
 * answers `100 Continue`), and every version but HTTP/1.1 (1.0's keep-alive
 * and close-delimited rules, 0.9).
 */
export function handedOff(h: ParsedHead): boolean {
  return h.major !== 1 || h.minor !== 1 || h.upgrade || h.facts.expect;
}

/** How the request's body is framed, or why the framing is refused (status and reason). */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'refused'; reason: PageReason };

/**
 * The body framing, refusing what nginx refuses (llhttp already refused
 * CL+TE, invalid and duplicate Content-Length, bare LF, NUL and CR in
 * headers): a Transfer-Encoding other than exactly `chunked` is 501, as
 * nginx answers an unknown transfer coding (obfuscated TE: "xchunked",
 * "chunked, identity", Kettle 2019); no Host, or more than one, is 400.
 * The connection closes after either answer (as nginx does).
 */
export function framing(f: RequestFacts): Framing {
  if (f.transferEncoding !== undefined) {
    return f.transferEncoding.toLowerCase() === 'chunked' ? { kind: 'chunked' } : { kind: 'refused', reason: 'unknown-coding' };
  }
  if (f.hosts !== 1 || f.host === '') return { kind: 'refused', reason: 'bad-request' };
  return f.contentLength > 0 ? { kind: 'length', length: f.contentLength } : { kind: 'none' };
}

/** What the router answers itself: a page, a redirect, or nothing (go to a backend). */
export type Verdict = { kind: 'page'; reason: PageReason } | { kind: 'redirect'; location: string } | null;

/**
 * The passes: host → route (404; 503 before the first route table arrives), HTTPS redirect (to `httpsPort`;
 * 0 = none: no HTTPS listener, or the request came over it), maintenance, no backends, declared body too large.
 */
export function verdict(x: FastExchange, httpsPort: number, bodyLength: number): Verdict {
  const host = x.facts.host!;
  const table = x.client.ctx.worker.table;
  if (table === null) return { kind: 'page', reason: 'starting' };
  x.entry = table.match(host);
  if (x.entry === null) return { kind: 'page', reason: 'unknown-host' };
  const route = x.entry.route;
  if (route.redirectHttps && httpsPort !== 0) {
    return { kind: 'redirect', location: `https://${hostWithoutPort(host)}${httpsPort === 443 ? '' : `:${httpsPort}`}${x.url}` };
  }
  if (route.maintenance) return { kind: 'page', reason: 'maintenance' };
  if (route.pool.size === 0) return { kind: 'page', reason: 'no-backends' };
  if (bodyLength > route.maxBodyBytes) return { kind: 'page', reason: 'body-too-large' };
  return null;
}

function hostWithoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon !== -1 && host.indexOf(']', colon) === -1 ? host.slice(0, colon) : host;
}
