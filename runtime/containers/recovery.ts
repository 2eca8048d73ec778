/**
 * Rebuilding the engine's view at start-up, from disk and from the monitors
 * still alive. For each container that was running:
 * - an exit file is waiting → the exit is recorded now (and --rm / restart
 *   policies apply as if the engine had seen it happen);
 * - the runtime still knows it running or paused → its root mount is adopted;
 * - neither (the host rebooted, or conmon was killed) → it is marked exited
 *   with code 255 and an error saying so.
 * Containers caught half-removed are removed; `always` / `unless-stopped`
 * containers that are down get started again, as Docker does at boot.
 */
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, logPolicyOf } from './context.js';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { processStatus, listProcesses, deleteProcess } from './oci-runtime.js';
import { detachMountsUnder, isMountPoint, unmount } from '../snapshots/mount.js';
import { readExitCode, recordExit } from './exit.js';
import { destroy } from './remove.js';
import { healthAtStart, watchHealth } from './health.js';
import type { Container } from './types.js';

/**
 * Reconcile every stored container with reality, sweep what no container
 * owns, then start the containers a boot restart policy asks for (after the
 * sweep, which must not meet their fresh mounts).
 */
export async function recoverContainers(ctx: ContainerContext): Promise<void> {
  for (const c of ctx.store.list()) {
    await ctx.locks.run(c.record.id, () => recoverOne(ctx, c)).catch((err: unknown) => {
      ctx.log.error({ container: c.record.id, err, status: c.state.status }, 'recovery: the container could not be reconciled; its state may be stale');
    });
  }
  await sweepOrphans(ctx);
  for (const c of ctx.store.list()) {
    if (c.state.status === 'exited' && bootRestart(c)) void ctx.restart(c.record.id, { atBoot: true }); // logs its own failures
  }
}

/**
 * Remove leftovers of containers that are gone or no longer run (a crash
 * between recording an exit or a removal and releasing its resources):
 * runtime records, root mounts, volatile dirs, writable layers, network
 * sandboxes (namespaces, CNI attachments, IP allocations).
 */
async function sweepOrphans(ctx: ContainerContext): Promise<void> {
  const up = (id: string) => {
    const c = ctx.store.list().find((x) => x.record.id === id);
    return c !== undefined && (c.state.status === 'running' || c.state.status === 'paused');
  };
  const known = new Set(ctx.store.list().map((c) => c.record.id));
  // Each step on its own: a leftover that cannot be removed now must not keep the engine from starting.
  const attempt = (what: string, id: string, p: Promise<unknown>) => p.catch((err: unknown) => {
    ctx.log.warn({ container: id, err }, `recovery sweep: ${what} of a gone container could not be removed; it stays until the next start`);
  });
  for (const rt of Object.values(ctx.runtimes)) {
    for (const id of await listProcesses(rt)) if (!up(id)) await attempt('the runtime record', id, deleteProcess(rt, id));
  }
  const runDirs = path.join(ctx.config.runRoot, 'c');
  for (const id of await fsp.readdir(runDirs).catch(() => [] as string[])) { // no run dir yet: nothing to sweep
    if (up(id)) continue;
    const p = pathsOf(ctx, id);
    if (await isMountPoint(p.rootfs)) await attempt('the root mount', id, unmount(p.rootfs));
    if (!known.has(id)) await attempt('the run dir', id, detachMountsUnder(p.run).then(() => fsp.rm(p.run, { recursive: true, force: true })));
  }
  for (const key of await ctx.snapshots.listActive()) if (!known.has(key)) await attempt('the writable layer', key, ctx.snapshots.remove(key));
  await ctx.network.sweep(up).catch((err: unknown) => {
    ctx.log.warn({ err }, 'recovery sweep: network sandboxes of gone containers could not all be removed');
  });
}

async function recoverOne(ctx: ContainerContext, c: Container): Promise<void> {
  const id = c.record.id;
  if (c.state.status === 'removing') return destroy(ctx, c, false);
  if (c.state.status === 'restarting') c.state.status = 'exited';
  if (c.state.status !== 'running' && c.state.status !== 'paused') return;
  const p = pathsOf(ctx, id);
  if ((await readExitCode(p.exitFile)) !== null) {
    ctx.rootfs.adopt(id);
    if ((await recordExit(ctx, c)) === 'remove') await destroy(ctx, c, true);
    return;
  }
  const status = await processStatus(runtimeOf(ctx, c), id);
  if (status === 'running' || status === 'paused') {
    ctx.rootfs.adopt(id);
    const logs = logPolicyOf(ctx, c);
    if (logs.driver !== 'none') await ctx.logRotation.start(id, p.log, logs.maxFile);
    // As dockerd's restore: the health starts over (starting, no streak) and the monitor resumes unless paused.
    const health = healthAtStart(c);
    if (status !== c.state.status || health !== c.state.health) await ctx.store.saveState(id, { ...c.state, status, health });
    watchHealth(ctx, c);
    return;
  }
  ctx.rootfs.adopt(id);
  const next = await recordExit(ctx, c, { exitCode: 255, error: 'the container was lost while the engine was down (host restart or monitor killed)' });
  if (next === 'remove') await destroy(ctx, c, true);
}

/**
 * Policies that bring a container back when the engine (or host) starts, as
 * Docker's daemon does: `always` even after a manual stop, `unless-stopped`
 * only if it was not stopped by the user.
 */
function bootRestart(c: Container): boolean {
  const name = c.record.options.restartPolicy?.name;
  if (c.record.options.autoRemove) return false;
  return name === 'always' || (name === 'unless-stopped' && !c.state.stoppedByUser);
}
