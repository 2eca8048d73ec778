/**
 * The JSON-lines access log of one worker. Lines are collected during a tick
 * and written with one write when the event loop comes round (setImmediate),
 * so a busy worker pays one syscall per batch, not per request. Workers write
 * to the same file with O_APPEND, or to the shared stdout.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AccessLogEntry } from '../types.js';

/** A destination for access-log lines. */
export class AccessLog {
  private readonly out: NodeJS.WritableStream | WriteStream | null;
  private batch = '';
  private scheduled = false;
  /** ISO time of the current batch: every line of one tick shares it. */
  private now = '';

  /** `dest`: a file path, `-` for stdout, or null for no log. */
  constructor(dest: string | null) {
    this.out = dest === null ? null : dest === '-' ? process.stdout : createWriteStream(dest, { flags: 'a' });
  }

  get enabled(): boolean {
    return this.out !== null;
  }

  /** Queue one entry (the `time` field is filled in here). */
  write(e: Omit<AccessLogEntry, 'time'>): void {
    if (this.out === null) return;
    if (!this.scheduled) {
      this.scheduled = true;
      this.now = new Date().toISOString();
      setImmediate(flush, this);
    }
    // Hand-built: the fields are fixed, and only the strings need escaping.
    this.batch += `{"time":"${this.now}","host":${JSON.stringify(e.host)},"method":"${e.method}","path":${JSON.stringify(e.path)},`
      + `"status":${e.status},"bytes":${e.bytes},"duration_ms":${e.duration_ms},"backend":${e.backend === null ? 'null' : `"${e.backend}"`},`
      + `"request_id":${JSON.stringify(e.request_id)},"app":${e.app === null ? 'null' : `"${e.app}"`}}\n`;
  }

  /** Write what is queued and close a file destination. */
  async close(): Promise<void> {
    flush(this);
    const out = this.out;
    if (out !== null && out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  }

  /** @internal */
  drainBatch(): void {
    this.scheduled = false;
    if (this.batch === '' || this.out === null) return;
    const text = this.batch;
    this.batch = '';
    this.out.write(text);
  }
}

function flush(log: AccessLog): void {
  log.drainBatch();
}
