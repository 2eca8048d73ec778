/**
 * The log lines of containers that are gone, as Heroku's log history keeps
 * what a dyno said after it was replaced: before the scheduler removes a
 * process container (a deploy's old processes, a scale down, a crashed
 * process being replaced) or a detached one-off that ended, it keeps that
 * container's last lines here, so `tspaas logs` still shows why web.1
 * crashed or what `run --detach` printed. One NDJSON file per app under
 * `<dataDir>/logs/apps/`, holding about the last {@link KEEP_LINES} lines
 * (it is cut back to them when it grows past twice that); removed with the
 * app. Writes of one app are serialized.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import type { LogEntry } from '../types.js';

/** Lines kept per app (Heroku keeps 1,500). */
export const KEEP_LINES = 1500;

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
export function createLogArchive(dataDir: string, keepLines = KEEP_LINES): LogArchive {
  const dir = path.join(dataDir, 'logs', 'apps');
  const fileOf = (appId: string) => path.join(dir, `${appId}.ndjson`);
  const queues = new Map<string, Promise<unknown>>();
  /** Run `fn` after the app's earlier writes. */
  const serial = <T>(appId: string, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(appId) ?? Promise.resolve()).then(fn, fn);
    const settled = next.catch(() => undefined);
    queues.set(appId, settled);
    void settled.then(() => { if (queues.get(appId) === settled) queues.delete(appId); });
    return next;
  };
  const readLines = async (file: string): Promise<string[]> => {
    try {
      return (await fsp.readFile(file, 'utf8')).split('\n').filter(Boolean);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw err;
    }
  };

  return {
    keep: (appId, containerId, entries) => serial(appId, async () => {
      if (!entries.length) return;
      const file = fileOf(appId);
      await fsp.mkdir(dir, { recursive: true });
      const text = entries.slice(-keepLines).map((e) => `${JSON.stringify({ ...e, containerId })}\n`).join('');
      await fsp.appendFile(file, text);
      const lines = await readLines(file);
      if (lines.length <= 2 * keepLines) return;
      // Cut back to the newest lines: write a new file, then rename over the old one (readers see one or the other).
      const tmp = `${file}.tmp`;
      await fsp.writeFile(tmp, `${lines.slice(-keepLines).join('\n')}\n`);
      await fsp.rename(tmp, file);
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

    remove: (appId) => serial(appId, () => fsp.rm(fileOf(appId), { force: true })),
  };
}
