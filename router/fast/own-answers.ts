/**
 * What the fast path answers itself: its pages (no backend, timeouts, body
 * too large…), the HTTPS redirect, and bare refusals of what cannot be parsed.
 */
import type { PageReason } from '../pages/errors.js';
import type { FastContext, FastExchange } from './exchange.js';
import { ownHead } from './head.js';

/** The router's page for `reason` as bytes to write: the head, and the body (none for HEAD). */
export function pageAnswer(ctx: FastContext, x: FastExchange, reason: PageReason, keepAlive: boolean): { status: number; head: string; body: string } {
  const page = ctx.worker.pages.render(reason, x.requestId, x.facts.accept);
  const headers: [string, string][] = [['content-type', page.contentType], ['content-length', String(Buffer.byteLength(page.body))],
    ['cache-control', 'no-store'], ['x-request-id', x.requestId]];
  return { status: page.status, head: ownHead(page.status, headers, keepAlive, ctx.keepAliveSeconds), body: x.method === 'HEAD' ? '' : page.body };
}

/** A 308 to `location` (the route redirects plain HTTP to HTTPS). */
export function redirectHead(ctx: FastContext, x: FastExchange, location: string, keepAlive: boolean): string {
  const headers: [string, string][] = [['location', location], ['content-length', '0'], ['x-request-id', x.requestId]];
  return ownHead(308, headers, keepAlive, ctx.keepAliveSeconds);
}

const REASONS = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' } as const;

/** A bare status that closes the connection, for what cannot be parsed or framed (as router/worker.ts does for node's parser). */
export function bareRefusal(status: keyof typeof REASONS): string {
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}
