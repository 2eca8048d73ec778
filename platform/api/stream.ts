/**
 * Streaming answers: NDJSON from an async iterable, a channel that turns
 * pushed values into one, and an abort signal that fires when the client
 * goes away.
 */
import { Readable } from 'node:stream';
import type { Context } from 'koa';

/** An AbortSignal aborted when the client's connection closes before the response ended. */
export function clientGone(ctx: Context): AbortSignal {
  const ac = new AbortController();
  ctx.res.once('close', () => ac.abort());
  return ac.signal;
}

/** Answer with `items` as NDJSON, flushed line by line. */
export function sendNdjson(ctx: Context, items: AsyncIterable<unknown>): void {
  ctx.type = 'application/x-ndjson';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = Readable.from((async function* lines() {
    for await (const item of items) yield `${JSON.stringify(item)}\n`;
  })());
}

/** Answer with `lines` as text/plain, a newline after each. */
export function sendLines(ctx: Context, lines: AsyncIterable<string>): void {
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = Readable.from((async function* text() {
    for await (const line of lines) yield `${line}\n`;
  })());
}

/** A queue of pushed values read as an async iterable; `end()` finishes it after what was pushed. */
export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.items.length > 0) yield this.items.shift()!;
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
  }
}
