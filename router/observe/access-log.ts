/**
 * The JSON-lines access log of one worker. Lines collect in memory and go
 * out in one write every FLUSH_MS (or as soon as BATCH_BYTES gather), like
 * nginx's `access_log … buffer= flush=`: a busy worker pays one write per
 * batch instead of one (and a thread-pool round trip) per event-loop turn.
 * Lines are copied into an off-heap buffer as they are made, so nothing the
 * batch holds lives on the JS heap across garbage collections (a string
 * batch kept for 100 ms would survive scavenges and be copied, then promoted).
 * Workers write to the same file with O_APPEND, or to the shared stdout;
 * each write holds whole lines.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AccessLogEntry } from '../types.js';

/** Longest a line waits in memory. */
const FLUSH_MS = 100;
/** A batch this large is written at once. */
const BATCH_BYTES = 64 * 1024;

/** A destination for access-log lines. */
export class AccessLog {
  private readonly out: NodeJS.WritableStream | WriteStream | null;
  /** Lines not written yet: `used` bytes of `buf`. */
  private buf = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private readonly timer: NodeJS.Timeout | null;
  /** ISO time up to the seconds' dot (`2026-11-22T10:00:00.`) of the second starting at `secondMs`: one toISOString per second. */
  private second = '';
  private secondMs = -1;

  /** `dest`: a file path, `-` for stdout, or null for no log. */
  constructor(dest: string | null) {
    this.out = dest === null ? null : dest === '-' ? process.stdout : createWriteStream(dest, { flags: 'a' });
    this.timer = this.out === null ? null : setInterval(flush, FLUSH_MS, this);
    this.timer?.unref();
  }

  get enabled(): boolean {
    return this.out !== null;
  }

  /** Queue one entry (the `time` field is filled in here). */
  write(e: Omit<AccessLogEntry, 'time'>): void {
    if (this.out === null) return;
    const ms = Date.now();
    let frac = ms - this.secondMs;
    if (frac >= 1000 || frac < 0) {
      this.secondMs = ms - (ms % 1000);
      this.second = new Date(this.secondMs).toISOString().slice(0, 20);
      frac = ms - this.secondMs;
    }
    const millis = frac < 10 ? `00${frac}` : frac < 100 ? `0${frac}` : `${frac}`;
    // Hand-built: the fields are fixed, and only the strings need escaping.
    const line = `{"time":"${this.second}${millis}Z","host":${JSON.stringify(e.host)},"method":"${e.method}","path":${JSON.stringify(e.path)},`
      + `"status":${e.status},"bytes":${e.bytes},"duration_ms":${decimal3(e.duration_ms)},"backend":${e.backend === null ? 'null' : `"${e.backend}"`},`
      + `"request_id":${JSON.stringify(e.request_id)},"app":${e.app === null ? 'null' : `"${e.app}"`}}\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: flush first unless the line surely fits.
    if (this.used + line.length * 3 > BATCH_BYTES) this.drainBatch();
    if (line.length * 3 > BATCH_BYTES) this.out.write(line);
    else this.used += this.buf.write(line, this.used);
  }

  /** Write what is queued and close a file destination. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    flush(this);
    const out = this.out;
    if (out !== null && out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  }

  /** @internal */
  drainBatch(): void {
    if (this.used === 0 || this.out === null) return;
    const chunk = this.buf.subarray(0, this.used);
    // The stream owns `chunk` until it is written: the next lines go to a new buffer.
    this.buf = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    this.out.write(chunk);
  }
}

/**
 * `x` (rounded to the microsecond) as JavaScript prints it: `12`, `1.5`,
 * `0.125`. Made from integers: a double's own printing costs several times
 * more, once per request.
 */
export function decimal3(x: number): string {
  const micros = Math.round(x * 1000);
  const frac = micros % 1000;
  const whole = (micros - frac) / 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

function flush(log: AccessLog): void {
  log.drainBatch();
}
