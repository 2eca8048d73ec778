/**
 * Following a deploy: the lines so far from the release's log, then live
 * events until deploy-done. Subscribing and reading the log happen in one
 * tick, and the log is written in the same tick as each event is published
 * (release-log.ts), so nothing is missed or seen twice.
 */
import { getRelease } from '../store/releases.js';
import type { PlatformDeps, PlatformEvent, Release } from '../types.js';
import type { ReleaseLog } from './release-log.js';

/** Resolves with the release once its deploy ended (at once when it has, or when it has no image to deploy). */
export async function waitForRelease(deps: PlatformDeps, log: ReleaseLog, releaseId: string,
  onEvent: (e: PlatformEvent) => void = () => undefined, signal?: AbortSignal): Promise<Release> {
  const release = await getRelease(deps.db, releaseId);
  const live: PlatformEvent[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = deps.events.subscribe(release.appId, (e) => {
    if ((e.kind === 'deploy' || e.kind === 'deploy-done') && e.releaseId === releaseId) { live.push(e); wake?.(); }
  });
  const past = log.read(releaseId);
  try {
    for (const line of past) onEvent({ kind: 'deploy', appId: release.appId, releaseId, line });
    const now = await getRelease(deps.db, releaseId);
    if (now.status === 'succeeded' || now.status === 'failed' || !now.image) {
      const done = live.find((e) => e.kind === 'deploy-done');
      for (const e of live.filter((x) => x.kind === 'deploy')) onEvent(e);
      if (now.image) onEvent(done ?? { kind: 'deploy-done', appId: now.appId, releaseId, status: now.status as 'succeeded' | 'failed', ...(now.error ? { error: now.error } : {}) });
      return now;
    }
    for (;;) {
      while (live.length) {
        const e = live.shift()!;
        onEvent(e);
        if (e.kind === 'deploy-done') return await getRelease(deps.db, releaseId);
      }
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
