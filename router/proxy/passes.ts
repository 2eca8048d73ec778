/**
 * The request pipeline: small named steps run in order before a request is
 * forwarded; a step that answers the request itself returns true and stops
 * the list (the shape of node-http-proxy's own passes). Upgrades run the same
 * list without the steps that only make sense for plain requests.
 */
import type http from 'node:http';
import type { PageReason } from '../pages/errors.js';
import { exchangeOf, type Exchange } from './exchange.js';

/** One step: true = the request is answered (or refused), stop here. */
export type Pass = (x: Exchange) => boolean;

/** Hop-by-hop request headers (RFC 9110 §7.6.1) besides those that Connection names. */
const HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
const VIA = '1.1 tspaas';

/** Answer an exchange with one of the router's own pages. */
export function refuse(x: Exchange, reason: PageReason): true {
  const pages = x.ctx.pages;
  if (x.res !== null) pages.send(x.res, reason, x.requestId, x.req.headers.accept);
  else x.req.socket.end(pages.raw(reason, x.requestId, x.req.headers.accept));
  return true;
}

/**
 * What nginx refuses and node's parser lets through: a Transfer-Encoding
 * other than exactly `chunked` (nginx: 501; node takes `identity, chunked`
 * as chunked) and more than one Host line (RFC 9112 §3.2; node keeps the
 * first). The connection closes after the answer, as after a missing Host:
 * what follows a doubtful request is not read as another one.
 */
export const refuseAmbiguous: Pass = (x) => {
  const te = x.req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') return refuseAndClose(x, 'unknown-coding');
  if (x.req.headers.host === undefined || x.req.headers.host === '' || hostLines(x.req.rawHeaders) > 1) return refuseAndClose(x, 'bad-request');
  return false;
};

function hostLines(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') n++;
  return n;
}

/** Marks a client socket whose framing is in doubt: requests node parsed after the refused one are never served. */
const DOUBTFUL = Symbol('tspaas.doubtful');

function refuseAndClose(x: Exchange, reason: PageReason): true {
  x.res?.setHeader('connection', 'close');
  (x.req.socket as unknown as Record<symbol, boolean>)[DOUBTFUL] = true;
  return refuse(x, reason);
}

/** A request node parsed after a refused one on the same connection (node parses pipelined requests ahead): left unanswered, the connection closes. */
export function afterRefusal(req: http.IncomingMessage): boolean {
  return (req.socket as unknown as Record<symbol, boolean | undefined>)[DOUBTFUL] === true;
}

/** Host → route; unknown hosts get 404 (refuseAmbiguous answered a missing Host), every host 503 before the first route table arrives. */
export const resolveRoute: Pass = (x) => {
  if (x.ctx.table === null) return refuse(x, 'starting');
  x.entry = x.ctx.table.match(x.req.headers.host!);
  return x.entry === null ? refuse(x, 'unknown-host') : false;
};

/** Plain-HTTP requests to a route that wants HTTPS get a permanent redirect. */
export const redirectToHttps: Pass = (x) => {
  const https = x.ctx.config.httpsPort;
  if (x.edge.encrypted || !x.entry!.route.redirectHttps || https === 0 || x.res === null) return false;
  const host = hostWithoutPort(x.req.headers.host!);
  const location = `https://${host}${https === 443 ? '' : `:${https}`}${x.req.url ?? '/'}`;
  x.res.writeHead(308, { location, 'content-length': 0, 'x-request-id': x.requestId });
  x.res.end();
  return true;
};

/** Maintenance mode answers 503 with its own page. */
export const maintenance: Pass = (x) => (x.entry!.route.maintenance ? refuse(x, 'maintenance') : false);

/** A route without backends answers 503. */
export const requireBackends: Pass = (x) => (x.entry!.route.pool.size === 0 ? refuse(x, 'no-backends') : false);

/** Bodies above the route's limit: 413 at once when Content-Length says so, else counted as they stream. */
export const limitBody: Pass = (x) => {
  const max = x.entry!.route.maxBodyBytes;
  if (max === Infinity) return false;
  const length = x.req.headers['content-length'];
  if (length !== undefined) return Number(length) > max ? refuse(x, 'body-too-large') : false;
  if (x.req.headers['transfer-encoding'] !== undefined) x.req.on('data', countBody);
  return false;
};

function countBody(this: http.IncomingMessage, chunk: Buffer): void {
  const ex = exchangeOf(this);
  ex.bodyBytes += chunk.length;
  if (ex.bodyBytes > ex.entry!.route.maxBodyBytes && ex.res !== null && !ex.res.headersSent) {
    ex.proxyReq?.destroy();
    ex.res.setHeader('connection', 'close');
    refuse(ex, 'body-too-large');
    this.removeListener('data', countBody);
  }
}

/** Drop hop-by-hop headers and those the client's Connection header names; keep an Upgrade when upgrading. */
export const stripHopByHop: Pass = (x) => {
  const h = x.req.headers;
  if (h.connection === undefined && h['keep-alive'] === undefined && h['proxy-connection'] === undefined
    && h.te === undefined && h.trailer === undefined && h.upgrade === undefined && h.expect === undefined) return false;
  const upgrading = x.res === null;
  if (h.connection !== undefined) {
    for (const token of h.connection.toLowerCase().split(',')) {
      const name = token.trim();
      if (!(upgrading && name === 'upgrade')) delete h[name];
    }
    if (!upgrading) delete h.connection;
  }
  for (const name of HOP_BY_HOP) if (!(upgrading && name === 'upgrade')) delete h[name];
  // node answered `100 Continue` already; the backend must not wait for its own.
  delete h.expect;
  return false;
};

/** X-Forwarded-For/Proto/Port/Host, X-Request-Id and Via for the backend. */
export const forwardHeaders: Pass = (x) => {
  const h = x.req.headers;
  const ip = x.req.socket.remoteAddress ?? '';
  const xff = h['x-forwarded-for'];
  h['x-forwarded-for'] = xff === undefined ? ip : `${xff}, ${ip}`;
  h['x-forwarded-proto'] = x.edge.proto;
  h['x-forwarded-port'] = x.edge.port;
  h['x-forwarded-host'] = h.host;
  h['x-request-id'] = x.requestId;
  h.via = h.via === undefined ? VIA : `${h.via}, ${VIA}`;
  return false;
};

/** The steps of a plain request, in order. */
export const REQUEST_PASSES: readonly Pass[] = [refuseAmbiguous, resolveRoute, redirectToHttps, maintenance, requireBackends, limitBody, stripHopByHop, forwardHeaders];
/** The steps of an upgrade (WebSocket) request, in order. */
export const UPGRADE_PASSES: readonly Pass[] = [refuseAmbiguous, resolveRoute, maintenance, requireBackends, stripHopByHop, forwardHeaders];

/** `Via` value the router appends on responses too. */
export const VIA_TOKEN = VIA;

function hostWithoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon !== -1 && host.indexOf(']', colon) === -1 ? host.slice(0, colon) : host;
}
