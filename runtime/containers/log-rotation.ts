/**
 * Rotation of running containers' logs, driven from a worker thread
 * (log-rotation-worker.ts) with one inotify watch per running container's
 * directory: conmon replacing `ctr.log` (a rename into the directory) or
 * writing to it wakes the watch, which brings the rotated names up to date
 * (log-files.ts). Every wake-up checks the state on disk, not the event, so
 * a missed event is made good by the next one; inotify folds repeated writes
 * into one event per turn of the thread's loop.
 */
import { Worker } from 'node:worker_threads';
import { unavailable } from '../../lib/errors.js';
import type { RotationReply, RotationRequest } from './log-rotation-worker.js';

/** Reports a rotation that failed (the log stays bounded by conmon; older files may be lost). */
export type RotationFailed = (id: string, message: string) => void;

type Pending = { resolve: () => void; reject: (err: Error) => void };

export class LogRotation {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Containers being watched, told when the thread stops unexpectedly. */
  private readonly watched = new Set<string>();
  private readonly onFailure: RotationFailed;

  constructor(onFailure: RotationFailed) {
    this.onFailure = onFailure;
  }

  /** Before conmon (re)starts on a log: the previous run's output becomes `ctr.log.1`, so the new file starts empty. */
  prepare(log: string, maxFile: number): Promise<void> {
    return this.request({ op: 'prepare', seq: ++this.seq, log, maxFile });
  }

  /** Keep the log of a running container rotated until `stop`; resolves once the thread watches it (after an engine restart, output may be flowing). */
  async start(id: string, log: string, maxFile: number): Promise<void> {
    this.watched.add(id);
    await this.request({ op: 'start', seq: ++this.seq, id, log, maxFile });
  }

  /**
   * No more watching; with `last`, one last rotation first (conmon may have
   * replaced the file at its very end). A failure is reported, not thrown:
   * the container's stop must not depend on it.
   */
  async stop(id: string, last?: { log: string; maxFile: number }): Promise<void> {
    this.watched.delete(id);
    if (!this.worker && !last) return;
    await this.request({ op: 'stop', seq: ++this.seq, id, last }).catch((err: Error) => this.onFailure(id, err.message));
  }

  /** Stop the thread (engine shutdown; containers and their conmons live on, and a reopened engine watches again). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.watched.clear();
    await w?.terminate();
  }

  private request(m: RotationRequest & { seq: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.set(m.seq, { resolve, reject });
      this.thread().postMessage(m);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(bootCode(), { eval: true });
    w.unref();
    w.on('message', (m: RotationReply) => this.onReply(m));
    w.on('error', (err) => this.onExit(err));
    w.on('exit', () => this.onExit(new Error('the log rotation thread exited')));
    this.worker = w;
    return w;
  }

  private onReply(m: RotationReply): void {
    if ('failed' in m) return this.onFailure(m.failed, m.error);
    const p = this.pending.get(m.seq);
    this.pending.delete(m.seq);
    if (m.error === undefined) p?.resolve();
    else p?.reject(unavailable(`log rotation failed: ${m.error}`));
  }

  private onExit(err: Error): void {
    if (!this.worker) return; // closed on purpose
    this.worker = null;
    for (const id of this.watched) this.onFailure(id, `the log rotation thread stopped: ${err.message}`);
    this.watched.clear();
    for (const p of this.pending.values()) p.reject(unavailable('log rotation failed: its thread stopped', err));
    this.pending.clear();
  }
}

/**
 * The worker's entry: the sibling module, `.js` once built; run from source
 * (tsx), the thread registers tsx's loader first, as its hooks are not
 * inherited by worker threads.
 */
function bootCode(): string {
  const ext = import.meta.url.slice(import.meta.url.lastIndexOf('.'));
  const entry = new URL(`./log-rotation-worker${ext}`, import.meta.url).href;
  const loader = ext === '.ts' ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  return `(async () => { ${loader} await import(${JSON.stringify(entry)}); })().catch((err) => { throw err; });`;
}
