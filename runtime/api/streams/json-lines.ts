/**
 * Docker's JSON message streams (pull, import, load): one JSON object per
 * line. The reply starts with the first message, so an error before it still
 * gets a real HTTP status; an error after it is sent in-band as
 * `{"errorDetail": {"message": …}, "error": …}`.
 */
import type { ServerResponse } from 'node:http';
import { httpErrorOf } from '../http/errors.js';

/** One reply in Docker's JSON message stream format. */
export class JsonMessageStream {
  constructor(private readonly res: ServerResponse) {}

  /** Whether the reply has started (after which errors can only go in-band). */
  get started(): boolean {
    return this.res.headersSent;
  }

  /** Send one message, starting the reply if needed. */
  write(message: object): void {
    if (!this.res.headersSent) this.res.writeHead(200, { 'Content-Type': 'application/json' });
    this.res.write(`${JSON.stringify(message)}\r\n`);
  }

  /** Report `err` in-band (the reply must have started); `code` is errorDetail.code (a build step's exit code). */
  writeError(err: unknown, code?: number): void {
    const { message } = httpErrorOf(err);
    const text = message ?? 'nothing to do';
    this.write({ errorDetail: { ...(code !== undefined ? { code } : {}), message: text }, error: text });
  }

  end(): void {
    if (!this.res.headersSent) this.res.writeHead(200, { 'Content-Type': 'application/json' });
    this.res.end();
  }
}
