/**
 * The files of a container's log and how they rotate.
 *
 * conmon 2.1.6 bounds the file it writes itself (`--log-size-max`): before a
 * record would take `ctr.log` past max-size it opens `ctr.log.tmp` (O_CREAT |
 * O_TRUNC), renames it over `ctr.log` and writes on (src/ctr_logging.c,
 * reopen_k8s_file). That rename would destroy the full file, so the engine
 * keeps two more names ready:
 * - `ctr.log.keep`, a second name of the file conmon writes: when conmon
 *   replaces `ctr.log`, the full file lives on under it;
 * - `ctr.log.tmp` prepared in advance (an empty file, also named
 *   `ctr.log.next`): conmon opens it instead of creating one, so the new file
 *   has its second name from its first byte.
 * After a replacement the engine shifts the full file to `ctr.log.1` (`.1` →
 * `.2` …, the oldest beyond max-file deleted), renames `next` to `keep` and
 * prepares a new `tmp`. conmon never waits for the engine: a file is lost only
 * if conmon fills two more files before the engine gets to run once.
 * (conmon's "reopen logs" control message is not used: it does not reset the
 * byte count behind `--log-size-max`, so conmon would still replace the file
 * at moments of its own.)
 *
 * Oldest first: `ctr.log.<max-file − 1>` … `ctr.log.1`, then `ctr.log.keep`
 * and `ctr.log.next` where they are not yet the same file as `ctr.log`, then
 * `ctr.log`. Every file is at most max-size; max-file of them hold output,
 * plus up to two between a replacement and the engine's shift, so a
 * container's log takes at most (max-file + 2) × max-size of disk (files a
 * reader still holds open excepted).
 */
import { linkSync, renameSync, rmSync, statSync, writeFileSync, promises as fsp, type BigIntStats } from 'node:fs';
import { isErrno } from '../../lib/errors.js';

/** One file of a log, named by path and told apart from others by `key` (inode and birth time). */
export interface LogFile {
  path: string;
  key: string;
}

/** The name of the `n`th rotated file (1 = the newest). */
export function rotatedName(log: string, n: number): string {
  return `${log}.${n}`;
}

/** The second name the engine keeps on the file conmon writes. */
export function keepName(log: string): string {
  return `${log}.keep`;
}

/** Identity of a file that survives renames and links (inode numbers are reused only once a file is gone). */
export function fileKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.birthtimeNs}`;
}

/** The name conmon opens when it starts a new file. */
export function tmpName(log: string): string {
  return `${log}.tmp`;
}

/** The second name of the prepared `tmp`, which stays on the file once conmon has taken it. */
export function nextName(log: string): string {
  return `${log}.next`;
}

/**
 * The log's files that exist, oldest first, each once (a prepared file conmon
 * has not taken yet is not one). The names are looked at one by one, so a
 * listing made while a rotation renames them can miss a file (stat `.2`
 * just after `.2 → .3`, stat `.1` just after `.1 → .2`): it is taken again
 * until two listings in a row agree.
 */
export async function logChain(log: string, maxFile: number): Promise<LogFile[]> {
  let last = await listChain(log, maxFile);
  for (let attempt = 0; attempt < 20; attempt++) {
    const again = await listChain(log, maxFile);
    if (again.length === last.length && again.every((f, i) => f.key === last[i].key && f.path === last[i].path)) return again;
    last = again;
  }
  return last;
}

async function listChain(log: string, maxFile: number): Promise<LogFile[]> {
  const names = [...Array.from({ length: Math.max(maxFile, 1) }, (_, i) => rotatedName(log, maxFile - i)), keepName(log), nextName(log), log];
  const unused = await keyOf(tmpName(log));
  const files: LogFile[] = [];
  for (const name of names) {
    const key = await keyOf(name);
    if (key === null || (name === nextName(log) && key === unused)) continue;
    if (!files.some((f) => f.key === key)) files.push({ path: name, key });
  }
  return files;
}

async function keyOf(file: string): Promise<string | null> {
  const st = await fsp.stat(file, { bigint: true }).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; });
  return st ? fileKey(st) : null;
}

/**
 * Bring the names up to date after conmon replaced `ctr.log`: shift the full
 * file(s) to `ctr.log.1`, give the new `ctr.log` its second name and prepare
 * the next `tmp`. Synchronous on purpose: a handful of metadata calls that
 * must be done before conmon fills the next file (log-rotation-worker.ts).
 */
export function rotateLogSync(log: string, maxFile: number): void {
  const cur = statOrNull(log);
  if (!cur) return;
  const keep = statOrNull(keepName(log));
  if (!keep || !same(keep, cur)) {
    if (keep) retire(keepName(log), log, maxFile);
    const next = statOrNull(nextName(log));
    const tmp = statOrNull(tmpName(log));
    if (next && !same(next, cur) && !(tmp && same(tmp, next))) retire(nextName(log), log, maxFile);
    if (next && same(next, cur)) renameSync(nextName(log), keepName(log));
    else linkOrNothing(log, keepName(log));
  }
  prepareNext(log);
}

/**
 * Before conmon starts on a log (it appends, and counts max-size from zero):
 * move the previous run's output to `ctr.log.1` so the new file starts
 * empty, and prepare its names.
 */
export function prepareLogSync(log: string, maxFile: number): void {
  rotateLogSync(log, maxFile);
  const cur = statOrNull(log);
  if (cur && cur.size > 0n) {
    rmSync(keepName(log), { force: true });
    retire(log, log, maxFile);
  }
  if (!statOrNull(log)) writeFileSync(log, '', { mode: 0o600, flag: 'wx' });
  rotateLogSync(log, maxFile);
}

/** An empty `tmp` for conmon's next file, named `next` as well (made as `next` first: conmon must never take it unnamed). */
function prepareNext(log: string): void {
  if (statOrNull(tmpName(log))) return;
  rmSync(nextName(log), { force: true }); // a stale one: conmon took it and `keep` holds it now, or it was never taken
  writeFileSync(nextName(log), '', { mode: 0o600, flag: 'wx' });
  linkOrNothing(nextName(log), tmpName(log));
}

function same(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}
/** Move `file` (a finished one) to `<log>.1`, shifting the older ones and dropping those beyond max-file. */
function retire(file: string, log: string, maxFile: number): void {
  if (maxFile <= 1) {
    rmSync(file, { force: true });
    return;
  }
  rmSync(rotatedName(log, maxFile - 1), { force: true });
  for (let n = maxFile - 2; n >= 1; n--) renameOrNothing(rotatedName(log, n), rotatedName(log, n + 1));
  renameSync(file, rotatedName(log, 1));
}

function statOrNull(file: string): BigIntStats | null {
  return statSync(file, { bigint: true, throwIfNoEntry: false }) ?? null;
}

function renameOrNothing(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

/** conmon may have renamed the file meanwhile (then the next rotation names what it became). */
function linkOrNothing(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'EEXIST')) throw err;
  }
}
