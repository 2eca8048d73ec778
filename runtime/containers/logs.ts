/**
 * Reading container logs written by conmon in the k8s-file format:
 * `<RFC 3339 nano time> <stdout|stderr> <F|P> <text>\n`, where `P` marks a
 * partial record (no newline at its end in the original stream).
 */
import { promises as fsp, watch, type FSWatcher } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import type { LogLine, LogOptions } from './types.js';

/** Parse one k8s-file record; null for a malformed line. */
export function parseRecord(line: string): LogLine | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return null;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return { time: normalizeTime(line.slice(0, a)), stream, data: Buffer.from(tag === 'P' ? text : `${text}\n`) };
}

/** conmon writes `…+00:00`; Docker clients expect `…Z`. */
function normalizeTime(t: string): string {
  return t.replace(/\+00:00$/, 'Z');
}

/** Seconds since the epoch, with the fraction, of an RFC 3339 nano time. */
export function timeSeconds(t: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return Date.parse(t) / 1000;
  return Date.parse(`${m[1]}${m[3]}`) / 1000 + Number(`0${m[2] ?? ''}`);
}

function wanted(l: LogLine, o: LogOptions): boolean {
  if (l.stream === 'stdout' && o.stdout === false) return false;
  if (l.stream === 'stderr' && o.stderr === false) return false;
  const t = timeSeconds(l.time);
  if (o.since !== undefined && o.since > 0 && t < o.since) return false;
  if (o.until !== undefined && o.until > 0 && t > o.until) return false;
  return true;
}

/** Split raw log bytes into complete records; returns them and the unconsumed rest. */
function splitRecords(buf: string): { records: LogLine[]; rest: string } {
  const lines = buf.split('\n');
  const rest = lines.pop() ?? '';
  const records = lines.map(parseRecord).filter((l): l is LogLine => l !== null);
  return { records, rest };
}

/**
 * Log lines of a file. Without `follow` it yields what is there; with
 * `follow` it keeps yielding new lines until `isDone()` is true and the file
 * is drained. `tail` counts lines (records ending in a newline).
 */
export async function* readLogFile(file: string, o: LogOptions, isDone: () => boolean): AsyncGenerator<LogLine> {
  const first = await readFrom(file, 0);
  let offset = first.length;
  const split = splitRecords(first.toString());
  let rest = split.rest;
  for (const l of applyTail(split.records.filter((r) => wanted(r, o)), o.tail)) yield l;
  if (!o.follow || o.signal?.aborted) return;
  const waiter = new ChangeWaiter(file, o.signal);
  try {
    for (;;) {
      if (o.signal?.aborted) return;
      const done = isDone();
      const more = await readFrom(file, offset);
      offset += more.length;
      const s = splitRecords(rest + more.toString());
      rest = s.rest;
      for (const l of s.records) if (wanted(l, o)) yield l;
      if (done && more.length === 0) return;
      if (more.length === 0) await waiter.wait(250);
    }
  } finally {
    waiter.close();
  }
}

/** Keep the records making up the last `n` lines. */
function applyTail(records: LogLine[], n: number | undefined): LogLine[] {
  if (n === undefined || n < 0) return records;
  if (n === 0) return [];
  let lines = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].data[records[i].data.length - 1] === 0x0a) lines++;
    if (lines > n) return records.slice(i + 1);
  }
  return records;
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return Buffer.alloc(0);
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Wakes a follower when the file changes (inotify), or after a timeout. */
class ChangeWaiter {
  private watcher: FSWatcher | null = null;
  private wake: (() => void) | null = null;

  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.wake?.();

  constructor(file: string, signal?: AbortSignal) {
    this.signal = signal;
    signal?.addEventListener('abort', this.onAbort);
    try {
      this.watcher = watch(file, () => this.wake?.());
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = null; // not created yet: fall back to polling
    }
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
    });
  }

  close(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.watcher?.close();
  }
}
