/**
 * A deploy's progress: each line goes to `<dataDir>/logs/releases/<id>.log`
 * and, in the same tick, to the event bus, so a watcher that subscribes and
 * then reads the file (synchronously, also in one tick) misses nothing and
 * sees nothing twice (see wait.ts).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import type { EventBus } from '../types.js';
import { outputLines } from '../builds/lines.js';

/** `<dataDir>/logs/releases/<releaseId>.log`. */
export function releaseLogPath(dataDir: string, releaseId: string): string {
  return path.join(dataDir, 'logs', 'releases', `${releaseId}.log`);
}

export class ReleaseLog {
  private readonly dir: string;
  private readonly dataDir: string;
  private readonly events: EventBus;
  private made = false;

  constructor(dataDir: string, events: EventBus) {
    this.dataDir = dataDir;
    this.dir = path.dirname(releaseLogPath(dataDir, 'x'));
    this.events = events;
  }

  /** Append a progress line of the release's deploy and publish it. */
  say(appId: string, releaseId: string, line: string): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    for (const l of outputLines(line)) {
      appendFileSync(this.file(releaseId), `${l}\n`);
      this.events.publish({ kind: 'deploy', appId, releaseId, line: l });
    }
  }

  /** The deploy ended: publish deploy-done (the release row holds the outcome). */
  done(appId: string, releaseId: string, status: 'succeeded' | 'failed', error?: string): void {
    this.events.publish({ kind: 'deploy-done', appId, releaseId, status, ...(error ? { error } : {}) });
  }

  /** The lines written so far (synchronous, see the file's comment). */
  read(releaseId: string): string[] {
    try {
      return readFileSync(this.file(releaseId), 'utf8').split('\n').slice(0, -1);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  private file(releaseId: string): string {
    return releaseLogPath(this.dataDir, releaseId);
  }
}
