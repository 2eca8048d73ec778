/**
 * Live logs for the app page: `GET /dashboard/apps/:app/logs/stream` is a
 * Server-Sent Events stream of the scheduler's followed logs (the same
 * source as `GET /v1/apps/:app/logs?follow=1`), one `LogEntry` as JSON per
 * event, its time as the event id. A browser that reconnects (EventSource
 * does, sending `Last-Event-ID`; static/logs.js passes `?after=` when it
 * starts over) gets only lines after the last it saw. A comment every 15 s
 * keeps proxies from closing an idle stream.
 */
import { Readable } from 'node:stream';
import { findApp } from '../auth/ownership.js';
import { Channel, clientGone } from '../api/stream.js';
import type { LogEntry } from '../types.js';
import { sessionOf, type Dashboard } from './guard.js';
import { authenticateToken } from '../auth/tokens.js';
import { setPageHeaders } from './render.js';

const KEEPALIVE_MS = 15_000;
/** Lines a new stream starts with. */
const TAIL = 100;

/** Register the stream. */
export function registerLogStream(dash: Dashboard): void {
  dash.router.get('/dashboard/apps/:app/logs/stream', async (ctx) => {
    setPageHeaders(ctx);
    const session = await sessionOf(dash, ctx);
    if (session === null || 'ended' in session) {
      ctx.status = 401;
      ctx.body = session === null ? 'log in again' : `your session ended: ${session.ended}; log in again`;
      return;
    }
    const app = await findApp(dash.deps.db, session.caller, ctx.params.app, 'member'); // logs need the member role
    const after = ctx.get('Last-Event-ID') || (typeof ctx.query.after === 'string' ? ctx.query.after : '');
    const signal = clientGone(ctx);
    const out = new Channel<string>();
    out.push('retry: 3000\n\n');
    // Each keep-alive checks the session's token again: a revoked or expired one ends the stream.
    const keepalive = setInterval(() => {
      authenticateToken(dash.deps.db, session.token).then(() => out.push(': keep-alive\n\n'), () => stop());
    }, KEEPALIVE_MS);
    const stop = () => { clearInterval(keepalive); out.end(); };
    signal.addEventListener('abort', stop);
    void (async () => {
      for await (const e of dash.deps.scheduler.logs(app, { follow: true, tail: TAIL, signal })) {
        if (after === '' || e.time > after) out.push(sseEvent(e));
      }
    })().catch((err: unknown) => { if (!signal.aborted) dash.deps.log.error({ err, app: app.name }, 'dashboard: following logs failed'); })
      .finally(stop);
    ctx.type = 'text/event-stream';
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = Readable.from(out);
  });
}

/** One entry as an event: JSON data (never HTML: the page sets it as text), its time as the id. */
function sseEvent(e: LogEntry): string {
  return `id: ${e.time}\ndata: ${JSON.stringify(e)}\n\n`;
}
