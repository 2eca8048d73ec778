/**
 * The log lines of containers that are gone, as Heroku's log history keeps
 * what a dyno said after it was replaced: before the scheduler removes a
 * process container (a deploy's old processes, a scale down, a crashed
 * process being replaced) or a detached one-off that ended, it keeps that
 * container's last lines here, so `tspaas logs` still shows why web.1
 * crashed or what `run --detach` printed. One NDJSON file per app under
 * `<dataDir>/logs/apps/`, holding about the last {@link KEEP_LINES} lines
 * and at most {@link KEEP_BYTES} bytes of them (it is cut back to the newest
 * lines within both when it grows past twice either; the line count is read
 * from the file once per app, then kept in memory), so an app's archive never
 * takes more than twice the byte cap (tspaasd `--log-archive-size`); removed
 * with the app. Writes of one app are serialized.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import type { LogEntry } from '../types.js';

/** Lines kept per app (Heroku keeps 1,500). */
export const KEEP_LINES = 1500;
/** Bytes kept per app by default (1,500 lines of up to ~700 bytes). */
export const KEEP_BYTES = 1024 ** 2;

/** An archived line: the entry and the container it came from. */
export interface ArchivedEntry extends LogEntry {
  containerId: string;
}

export interface LogArchive {
  /** Keep `entries` (in time order) of a container of `appId` that is about to go. */
  keep(appId: string, containerId: string, entries: LogEntry[]): Promise<void>;
  /** Every kept line of the app, oldest first. */
  read(appId: string): Promise<ArchivedEntry[]>;
  /** Forget the app. */
  remove(appId: string): Promise<void>;
}

/** The archive under `<dataDir>/logs/apps`. */
export function createLogArchive(dataDir: string, keepLines = KEEP_LINES, keepBytes = KEEP_BYTES): LogArchive {
  const dir = path.join(dataDir, 'logs', 'apps');
  const fileOf = (appId: string) => path.join(dir, `${appId}.ndjson`);
  const queues = new Map<string, Promise<unknown>>();
  /** Lines in each app's file, once known. */
  const counts = new Map<string, number>();
  /** Run `fn` after the app's earlier writes. */
  const serial = <T>(appId: string, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(appId) ?? Promise.resolve()).then(fn, fn);
    const settled = next.catch(() => undefined);
    queues.set(appId, settled);
    void settled.then(() => { if (queues.get(appId) === settled) queues.delete(appId); });
    return next;
  };
  const readText = async (file: string): Promise<string> => {
    try {
      return await fsp.readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return '';
      throw err;
    }
  };
  const readLines = async (file: string) => (await readText(file)).split('\n').filter(Boolean);

  return {
    keep: (appId, containerId, entries) => serial(appId, async () => {
      if (!entries.length) return;
      const file = fileOf(appId);
      await fsp.mkdir(dir, { recursive: true });
      const kept = entries.slice(-keepLines);
      let before = counts.get(appId);
      let torn = false;
      if (before === undefined) {
        const text = await readText(file);
        before = text.split('\n').filter(Boolean).length;
        torn = text !== '' && !text.endsWith('\n'); // a line cut short by a crash: start on a line of our own
      }
      counts.delete(appId); // unknown until the append is done
      await fsp.appendFile(file, (torn ? '\n' : '') + kept.map((e) => `${JSON.stringify({ ...e, containerId })}\n`).join(''));
      if (before + kept.length <= 2 * keepLines && (await fsp.stat(file)).size <= 2 * keepBytes) {
        counts.set(appId, before + kept.length);
        return;
      }
      // Cut back to the newest lines: write a new file, then rename over the old one (readers see one or the other).
      const lines = newest(await readLines(file), keepLines, keepBytes);
      const tmp = `${file}.tmp`;
      await fsp.writeFile(tmp, lines.map((l) => `${l}\n`).join(''));
      await fsp.rename(tmp, file);
      counts.set(appId, lines.length);
    }),

    async read(appId) {
      const out: ArchivedEntry[] = [];
      for (const line of await readLines(fileOf(appId))) {
        try {
          out.push(JSON.parse(line) as ArchivedEntry);
        } catch {
          // A line cut short by a crash mid-append: skip it.
        }
      }
      return out;
    },

    remove: (appId) => serial(appId, async () => {
      counts.delete(appId);
      await fsp.rm(fileOf(appId), { force: true }).catch((err: unknown) => {
        if (!isErrno(err, 'ENOTDIR')) throw err; // no archive directory: nothing was kept
      });
    }),
  };
}

/** The newest of `lines` that fit in `maxLines` lines and `maxBytes` bytes (newlines counted). */
function newest(lines: string[], maxLines: number, maxBytes: number): string[] {
  let bytes = 0;
  let from = lines.length;
  while (from > 0 && lines.length - from < maxLines) {
    bytes += Buffer.byteLength(lines[from - 1]) + 1;
    if (bytes > maxBytes) break;
    from--;
  }
  return lines.slice(from);
}
