/**
 * Where a read of a log starts, found without reading the log through:
 * `--tail N` reads the files backwards from the end in fixed chunks,
 * counting lines (memory: one chunk and one record, whatever the log's
 * size); `--since` bisects on the records' times, which conmon writes in
 * order. Only the chosen file stays open, for the forward reader (logs.ts).
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { fileKey, type LogFile } from './log-files.js';
import { endsLine, isWanted, parseRecord, timeSeconds } from './log-records.js';
import type { LogLine, LogOptions } from './types.js';

/** A place in a log: an open file of its chain and a byte offset at a record's start. */
export interface LogPosition {
  file: LogFile;
  fh: FileHandle;
  offset: number;
  /** The reader's buffer, kept across reads of this position's file. */
  scratch?: Buffer;
}

/**
 * Where a read without follow ends: the newest file with anything in it of
 * the chain the seek listed, and its size then. Not simply the newest: the
 * chain may show the empty file the engine prepared for conmon's next
 * switch (log-files.ts) after the one conmon still writes. A read that
 * ended at whatever `ctr.log` is later would, under a flood that rotates
 * faster than it reads, never end (and a `--tail 10` returned megabytes).
 */
export interface LogEnd {
  key: string;
  size: number;
}

/** A read's start and its end, as one seek saw them. */
export interface LogSpan {
  start: LogPosition;
  end: LogEnd;
}

/** Bytes read at a time, backwards or forwards. */
export const CHUNK = 64 * 1024;
/** conmon writes records of at most 8 KiB of output; a longer "line" is not one of its and is skipped. */
export const MAX_RECORD = 256 * 1024;

/** Open `f` if its name still means the same file (rotation renames under readers); null when it does not. */
export async function openLogFile(f: LogFile): Promise<FileHandle | null> {
  const fh = await fsp.open(f.path, 'r').catch(() => null);
  if (!fh) return null;
  if (fileKey(await fh.stat({ bigint: true })) === f.key) return fh;
  await fh.close();
  return null;
}

/**
 * Where the last `o.tail` wanted lines begin, scanning `chain` (oldest
 * first) from its end; a record older than `o.since` ends the scan too.
 * Null when a file changed names under the scan (the caller lists again).
 */
export async function tailStart(chain: LogFile[], o: LogOptions): Promise<LogSpan | null> {
  let lines = 0;
  const visit = (l: LogLine): boolean => {
    if (o.since !== undefined && o.since > 0 && timeSeconds(l.time) < o.since) return true;
    if (isWanted(l, o) && endsLine(l)) lines++;
    return lines > (o.tail ?? 0);
  };
  return walkBack(chain, (fh, size) => (o.tail === 0 ? size : scanBack(fh, size, visit)));
}

/**
 * The walk both seeks share: the files of `chain` from the newest, each
 * opened and asked `find` for a start in it (null: look in the older
 * file); the oldest file's answer stands whatever it is (its start when
 * null). Only the chosen file stays open. The end is the newest file with
 * anything in it. Null when a file changed names under the walk.
 */
async function walkBack(chain: LogFile[], find: (fh: FileHandle, size: number) => Promise<number | null> | number | null): Promise<LogSpan | null> {
  let end: LogEnd | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const fh = await openLogFile(chain[i]);
    if (!fh) return null;
    const { size } = await fh.stat();
    if (size > 0 || i === 0) end ??= { key: chain[i].key, size };
    const found = await find(fh, size);
    if (found !== null || i === 0) return { start: { file: chain[i], fh, offset: found ?? 0 }, end: end ?? { key: chain[i].key, size } };
    await fh.close();
  }
  return null;
}

/**
 * Walk the records of `fh` from `end` backwards; returns the offset just
 * after the record for which `stop` is true, or null when none was.
 */
async function scanBack(fh: FileHandle, end: number, stop: (l: LogLine) => boolean): Promise<number | null> {
  let pos = end;
  let held = Buffer.alloc(0); // bytes from `pos` on not parsed yet: a record whose start lies further back
  const scratch = Buffer.alloc(CHUNK); // one buffer for the whole scan: a long scan makes no garbage
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    await fh.read(scratch, 0, len, pos);
    const chunk = scratch.subarray(0, len);
    if (pos > 0 && chunk.indexOf(0x0a) < 0) {
      // All of it inside one record: hold it, unless that makes a "record" longer than conmon ever writes (skipped).
      held = held.length + len > MAX_RECORD ? Buffer.alloc(0) : Buffer.concat([chunk, held]);
      continue;
    }
    const buf = held.length > 0 ? Buffer.concat([chunk, held]) : chunk;
    let recEnd = buf.length;
    for (;;) {
      const nl = recEnd >= 2 ? buf.lastIndexOf(0x0a, recEnd - 2) : -1;
      if (nl < 0 && pos > 0) break; // this record may begin in the previous chunk
      // A last record with no newline yet is still being written: not a line of this read's (logs.ts stops before it).
      const complete = buf[recEnd - 1] === 0x0a;
      const rec = parseRecord(buf.toString('utf8', nl + 1, complete ? recEnd - 1 : recEnd));
      if (rec && complete && stop(rec)) return pos + recEnd;
      recEnd = nl + 1;
      if (nl < 0) break;
    }
    // A "record" longer than conmon ever writes is not one: drop it rather than grow.
    held = recEnd > MAX_RECORD ? Buffer.alloc(0) : Buffer.from(buf.subarray(0, recEnd));
  }
  return null;
}

/** conmon's records are at most 8 KiB of output and a timestamp: enough to find one whole record from any byte. */
const PROBE = 20 * 1024;

/** The first whole record at or after byte `at` (at 0 the file's first; else after the next newline), within a probe's reach. */
async function recordAt(fh: FileHandle, at: number, size: number): Promise<{ time: number; offset: number } | null> {
  const buf = Buffer.alloc(Math.min(PROBE, size - at));
  const { bytesRead } = await fh.read(buf, 0, buf.length, at);
  let from = at === 0 ? 0 : buf.indexOf(0x0a) + 1;
  if (at > 0 && from === 0) return null;
  for (;;) {
    const nl = buf.indexOf(0x0a, from);
    if (nl < 0 || nl >= bytesRead) return null;
    const rec = parseRecord(buf.toString('utf8', from, nl));
    if (rec) return { time: timeSeconds(rec.time), offset: at + from };
    from = nl + 1;
  }
}

/**
 * Near the first record at or after `since`: the newest file whose first
 * record is older, bisected down to a chunk before it (the forward reader
 * filters the few older records left). Null when a file changed names.
 */
export async function sinceStart(chain: LogFile[], since: number): Promise<LogSpan | null> {
  return walkBack(chain, async (fh, size) => {
    const first = size > 0 ? await recordAt(fh, 0, size) : null;
    // the oldest file is the start whatever its first record says (walkBack takes its null as offset 0)
    if (!first || first.time >= since) return null;
    return bisect(fh, size, since);
  });
}

/** A record start before which every record is older than `since`, within a chunk of the first that is not. */
async function bisect(fh: FileHandle, size: number, since: number): Promise<number> {
  let lo = 0;
  let hi = size;
  while (hi - lo > CHUNK) {
    const mid = Math.floor((lo + hi) / 2);
    const rec = await recordAt(fh, mid, size);
    if (rec && rec.time < since) lo = rec.offset;
    else hi = mid;
  }
  return lo;
}
