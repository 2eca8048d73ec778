/** `rm`: kill if forced, unmount, drop the writable layer, the volatile and persistent dirs. */
import { promises as fsp } from 'node:fs';
import { conflict } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, emitContainerEvent } from './context.js';
import { signalProcess } from './oci-runtime.js';
import { releaseProcess } from './exit.js';
import { cancelRestart } from './restart.js';
import type { Container } from './types.js';
import { isAnonymousVolume } from '../volumes/store.js';
import { detachMountsUnder } from '../snapshots/mount.js';

/** Remove a container; a running one only with `force` (it is killed first). */
export async function removeContainer(ctx: ContainerContext, c: Container, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
  const id = c.record.id;
  const exited = ctx.waiters.nextExit(id);
  // Under the lock: refuse or kill, and mark it stopped so no restart policy brings it back meanwhile.
  const wasUp = await ctx.locks.run(id, async () => {
    const up = c.state.status === 'running' || c.state.status === 'paused';
    // Waiting out its restart backoff is Docker's "restarting": as running, only with force (issue 16).
    const status = ctx.restartTimers.has(id) ? 'restarting' : c.state.status;
    if ((up || status === 'restarting') && !opts.force) {
      throw conflict(`You cannot remove a ${status} container ${id}. Stop the container before attempting removal or force remove`);
    }
    cancelRestart(ctx, id);
    await ctx.store.saveState(id, { ...c.state, stoppedByUser: true });
    if (up) {
      await signalProcess(runtimeOf(ctx, c), id, 'SIGKILL').catch((err: unknown) => {
        ctx.log.error({ container: id, err }, 'rm --force: SIGKILL failed; waiting for the container to exit');
      });
    }
    return up;
  });
  if (wasUp) await exited;
  await ctx.locks.run(id, () => destroy(ctx, c, opts.volumes ?? false));
}

/**
 * Delete everything of a stopped container. Caller holds the lock. The
 * record goes first and waiters hear of it at once; the runtime record, the
 * mount and the directories follow (a crash in between leaves orphans that
 * the start-up sweep removes).
 */
export async function destroy(ctx: ContainerContext, c: Container, volumes: boolean): Promise<void> {
  const p = pathsOf(ctx, c.record.id);
  await ctx.store.saveState(c.record.id, { ...c.state, status: 'removing' });
  await ctx.store.delete(c.record.id);
  await ctx.logRotation.stop(c.record.id);
  for (const a of ctx.attachments.get(c.record.id) ?? []) a.finish();
  ctx.attachments.delete(c.record.id);
  emitContainerEvent(ctx, c, 'destroy');
  ctx.waiters.removed(c.record.id, c.state.exitCode);
  // An --rm container skipped the release at its exit, to be removed sooner.
  if (c.record.options.autoRemove) await releaseProcess(ctx, c);
  // A `cp` or `export` still reading holds the mount: take it away before deleting under it.
  await ctx.rootfs.forget(c.record.id, p.rootfs);
  await detachMountsUnder(p.run); // issue 13 part 2: a stale idmapped layer clone must not be deleted through
  await Promise.all([
    ctx.snapshots.remove(c.record.id),
    fsp.rm(p.run, { recursive: true, force: true }),
    fsp.rm(p.exitFile, { force: true }),
  ]);
  if (volumes) await removeAnonymousVolumes(ctx, c);
}

/** Volumes created for this container alone (anonymous: 64-hex names). */
async function removeAnonymousVolumes(ctx: ContainerContext, c: Container): Promise<void> {
  for (const m of c.record.options.mounts ?? []) {
    if (m.type === 'volume' && isAnonymousVolume(m.source)) {
      await ctx.volumes.remove(m.source, true).catch((err: unknown) => {
        ctx.log.warn({ container: c.record.id, volume: m.source, err }, 'rm --volumes: an anonymous volume could not be removed; it stays');
      });
    }
  }
}
