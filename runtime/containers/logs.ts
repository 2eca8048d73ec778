/**
 * Reading a container's log (conmon's k8s-file records, log-records.ts)
 * across its rotated files (log-files.ts), in memory bounded by a chunk and a
 * record, never by the log: the start is found by seeking (log-seek.ts), then
 * the files are read forwards in chunks.
 *
 * Following goes by file, not by name: at the end of a file the reader asks
 * whether `ctr.log` is still that file. While it is, it waits for more. Once
 * conmon has replaced it, the reader drains the old file to its end (conmon
 * closed it before the rename, so nothing more comes) and goes on with the
 * file after it in the chain, wherever rotation has renamed it meanwhile.
 * So no line is read twice or skipped, unless the reader falls more than
 * max-file files behind (the files it has not read yet are gone, as in Docker).
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import { fileKey, logChain, type LogFile } from './log-files.js';
import { isWanted, parseRecord, timeSeconds } from './log-records.js';
import { CHUNK, MAX_RECORD, openLogFile, sinceStart, tailStart, type LogEnd, type LogPosition, type LogSpan } from './log-seek.js';
import type { LogLine, LogOptions } from './types.js';

/**
 * Log lines of a container's log `log` (with up to `maxFile` files). Without
 * `follow` it yields what is there when it starts; with `follow` it keeps
 * yielding new lines until `isDone()` is true and the log is drained, or
 * `o.signal` aborts. `tail` counts lines (records ending in a newline).
 */
export async function* readLog(log: string, maxFile: number, o: LogOptions, isDone: () => boolean): AsyncGenerator<LogLine> {
  const span = await startPosition(log, maxFile, o);
  if (!span) return;
  // Without follow: up to where the log ended when the seek listed it, never chasing a log that rotates faster than we read.
  const end = o.follow ? null : span.end;
  const waiter = o.follow ? new ChangeWaiter(path.dirname(log), o.signal) : null;
  let cur: LogPosition = span.start;
  try {
    for (;;) {
      if (o.signal?.aborted) return;
      const done = isDone();
      for (let batch = await readChunk(cur, end); batch; batch = await readChunk(cur, end)) {
        for (const l of batch) {
          if (o.until !== undefined && o.until > 0 && timeSeconds(l.time) > o.until) return;
          if (isWanted(l, o)) yield l;
        }
      }
      if (end && cur.file.key === end.key) return;
      const next = await successor(log, maxFile, cur.file, o.follow === true);
      if (next === 'current') {
        if (!waiter || done) return;
        await waiter.wait(250);
        continue;
      }
      // What conmon wrote between the last read and its switch to the next file.
      for (let batch = await readChunk(cur, null); batch; batch = await readChunk(cur, null)) yield* batch.filter((l) => isWanted(l, o));
      await cur.fh.close();
      if (!next) return;
      next.scratch = cur.scratch;
      cur = next;
    }
  } finally {
    waiter?.close();
    await cur.fh.close().catch(() => undefined); // pure clean-up of a read-only handle
  }
}

/** Where to begin (after seeking for `tail` or `since`, else the oldest file's start) and where the log ended then. */
async function startPosition(log: string, maxFile: number, o: LogOptions): Promise<LogSpan | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const chain = await logChain(log, maxFile);
    if (chain.length === 0) return null;
    const found = o.tail !== undefined && o.tail >= 0 ? await tailStart(chain, o)
      : o.since !== undefined && o.since > 0 ? await sinceStart(chain, o.since)
        : await fromOldest(chain);
    if (found) return found;
  }
  return null;
}

/** The oldest file's start, and the newest non-empty file's size now (log-seek.ts, LogEnd); null when a file changed names meanwhile. */
async function fromOldest(chain: LogFile[]): Promise<LogSpan | null> {
  let end: LogEnd | undefined;
  for (let i = chain.length - 1; i >= 0 && !end; i--) {
    const st = await fsp.stat(chain[i].path, { bigint: true }).catch(() => null);
    if (!st || fileKey(st) !== chain[i].key) return null;
    if (st.size > 0n || i === 0) end = { key: chain[i].key, size: Number(st.size) };
  }
  const start = await openAt(chain[0], 0);
  return start && end ? { start, end } : null;
}

async function openAt(file: LogFile, offset: number): Promise<LogPosition | null> {
  const fh = await openLogFile(file);
  return fh ? { file, fh, offset } : null;
}

/** The file being written and its size now: where a read without follow ends. */
async function currentEnd(log: string): Promise<{ key: string; size: number } | null> {
  const st = await fsp.stat(log, { bigint: true }).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; });
  return st ? { key: fileKey(st), size: Number(st.size) } : null;
}

/**
 * The whole records of the next chunk of `cur` (up to `end.size` when it is
 * that file), advancing its offset past them; null at the end.
 */
async function readChunk(cur: LogPosition, end: { key: string; size: number } | null): Promise<LogLine[] | null> {
  const limit = end && end.key === cur.file.key ? end.size : Infinity;
  let want = Math.min(CHUNK, limit - cur.offset);
  const records: LogLine[] = [];
  while (want > 0) {
    if (!cur.scratch || cur.scratch.length < want) cur.scratch = Buffer.alloc(Math.max(want, CHUNK));
    const buf = cur.scratch;
    const { bytesRead } = await cur.fh.read(buf, 0, want, cur.offset);
    if (bytesRead === 0) return records.length > 0 ? records : null;
    let from = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0 && nl < bytesRead; nl = buf.indexOf(0x0a, from)) {
      const rec = parseRecord(buf.toString('utf8', from, nl));
      if (rec) records.push(rec);
      from = nl + 1;
    }
    if (from > 0) {
      cur.offset += from;
      return records;
    }
    // No newline in a whole chunk: a record longer than conmon writes is skipped; a short one is still being written
    // (or cut by the read's end: conmon was writing it when the end was taken), so it is not this read's.
    if (bytesRead < want || cur.offset + bytesRead >= limit) return null;
    if (want >= MAX_RECORD) cur.offset += bytesRead;
    want = Math.min(want * 2, MAX_RECORD, limit - cur.offset);
  }
  return records.length > 0 ? records : null;
}

/**
 * What comes after `file`: 'current' while `ctr.log` is still it; else the
 * next file of the chain, opened (null when there is none: the log is gone).
 * A `file` rotated out of the chain: a follower (`resync`) goes on with the
 * oldest file left; a read to an end stops (its end went with it).
 */
async function successor(log: string, maxFile: number, file: LogFile, resync: boolean): Promise<LogPosition | 'current' | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = await currentEnd(log);
    if (now && now.key === file.key) return 'current';
    const chain = await logChain(log, maxFile);
    const at = chain.findIndex((f) => f.key === file.key);
    // Not in the chain any more: the reader fell behind max-file files; go on with the oldest left.
    const next = at >= 0 ? chain[at + 1] : resync ? chain[0] : undefined;
    if (!next) return now ? 'current' : null;
    const opened = await openAt(next, 0);
    if (opened) return opened;
  }
  return null;
}

/** Wakes a follower when the log's directory changes (inotify), or after a timeout. */
class ChangeWaiter {
  private watcher: FSWatcher | null = null;
  private wake: (() => void) | null = null;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.wake?.();

  constructor(dir: string, signal?: AbortSignal) {
    this.signal = signal;
    signal?.addEventListener('abort', this.onAbort);
    try {
      this.watcher = watch(dir, () => this.wake?.());
      this.watcher.on('error', () => undefined); // the timeout still wakes the follower
    } catch {
      this.watcher = null; // the directory is gone: fall back to the timeout
    }
  }

  wait(ms: number): Promise<void> {
    if (this.signal?.aborted) return Promise.resolve();
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
