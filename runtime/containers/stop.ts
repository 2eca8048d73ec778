/** `stop`, `kill`, `pause`, `unpause`: signals and freezing through the OCI runtime. */
import { conflict, notModified, unavailable } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { runtimeOf, emitContainerEvent } from './context.js';
import { signalProcess, pauseProcess, resumeProcess } from './oci-runtime.js';
import { cancelRestart } from './restart.js';
import { normalizeSignal } from './signals.js';
import { unwatchHealth, watchHealth } from './health.js';
import type { Container } from './types.js';

const isUp = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

/**
 * Send the stop signal, wait up to `timeout` seconds for the exit, then
 * SIGKILL. Resolves once the exit is recorded. Takes the lock only around
 * the signals so the exit handler can run meanwhile.
 */
export async function stopContainer(ctx: ContainerContext, c: Container, timeout?: number): Promise<void> {
  const pendingRestart = ctx.restartTimers.has(c.record.id);
  cancelRestart(ctx, c.record.id);
  const exited = ctx.waiters.nextExit(c.record.id);
  const signalled = await ctx.locks.run(c.record.id, async () => {
    if (!isUp(c)) return false;
    await ctx.store.saveState(c.record.id, { ...c.state, stoppedByUser: true });
    if (c.state.status === 'paused') await resumeProcess(runtimeOf(ctx, c), c.record.id);
    await signalProcess(runtimeOf(ctx, c), c.record.id, normalizeSignal(c.record.config.StopSignal, 'SIGTERM')).catch((err: unknown) => {
      ctx.log.warn({ container: c.record.id, err }, 'stop: the stop signal failed; SIGKILL follows after the timeout');
    });
    return true;
  });
  if (!signalled) {
    if (pendingRestart) return;
    throw notModified('container already stopped');
  }
  const seconds = timeout ?? c.record.options.stopTimeout ?? 10;
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, seconds) * 1000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    await signalProcess(runtimeOf(ctx, c), c.record.id, 'SIGKILL').catch((err: unknown) => {
      ctx.log.error({ container: c.record.id, err }, 'stop: SIGKILL failed; waiting for the container to exit');
    });
    await exited;
  }
  emitContainerEvent(ctx, c, 'stop');
}

/** How long `kill` waits for the exit after SIGKILL (moby waits 10 s too). */
const KILL_WAIT_MS = 10_000;

/**
 * Send a signal (default SIGKILL). `Conflict` when the container is not
 * running. The stop signal or SIGKILL count as a stop by the user (no
 * restart policy fires) and thaw a paused container so it can die; after
 * SIGKILL this returns once the exit is recorded, so `docker kill x &&
 * docker rm x` never finds it running (issue 16, as moby's Kill waits).
 */
export async function killContainer(ctx: ContainerContext, c: Container, signal?: string): Promise<void> {
  const sig = normalizeSignal(signal);
  const { exit } = await ctx.locks.run(c.record.id, async () => {
    if (!isUp(c)) return { exit: await killRestarting(ctx, c) };
    const stops = sig === 'SIGKILL' || sig === normalizeSignal(c.record.config.StopSignal, 'SIGTERM');
    if (stops) {
      cancelRestart(ctx, c.record.id);
      await ctx.store.saveState(c.record.id, { ...c.state, stoppedByUser: true });
    }
    const exit = sig === 'SIGKILL' ? ctx.waiters.nextExit(c.record.id) : null; // under the lock: the exit cannot be recorded before
    await signalProcess(runtimeOf(ctx, c), c.record.id, sig);
    if (stops && c.state.status === 'paused') await resumeProcess(runtimeOf(ctx, c), c.record.id);
    emitContainerEvent(ctx, c, 'kill', { signal: sig });
    return { exit }; // wrapped: a returned promise would be awaited under the lock, where the exit cannot be recorded
  });
  if (exit) await waitForExit(c, exit);
}

/** A container waiting out its restart backoff (Docker's "restarting") is killed by cancelling the restart; `Conflict` for any other. */
async function killRestarting(ctx: ContainerContext, c: Container): Promise<null> {
  if (!ctx.restartTimers.has(c.record.id)) throw conflict(`Container ${c.record.id} is not running`);
  cancelRestart(ctx, c.record.id);
  await ctx.store.saveState(c.record.id, { ...c.state, stoppedByUser: true });
  return null;
}

async function waitForExit(c: Container, exited: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), KILL_WAIT_MS); });
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') throw unavailable(`Container ${c.record.id} was sent SIGKILL but had not exited after ${KILL_WAIT_MS / 1000} s`);
}

/** Freeze all processes of a running container. */
export async function pauseContainer(ctx: ContainerContext, c: Container): Promise<void> {
  if (c.state.status === 'paused') throw conflict(`Container ${c.record.id} is already paused`);
  if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
  unwatchHealth(ctx, c.record.id); // Docker probes no paused container
  await pauseProcess(runtimeOf(ctx, c), c.record.id).catch((err: unknown) => {
    watchHealth(ctx, c);
    throw err;
  });
  await ctx.store.saveState(c.record.id, { ...c.state, status: 'paused' });
  emitContainerEvent(ctx, c, 'pause');
}

/** Thaw a paused container. */
export async function unpauseContainer(ctx: ContainerContext, c: Container): Promise<void> {
  if (c.state.status !== 'paused') throw conflict(`Container ${c.record.id} is not paused`);
  await resumeProcess(runtimeOf(ctx, c), c.record.id);
  await ctx.store.saveState(c.record.id, { ...c.state, status: 'running' });
  emitContainerEvent(ctx, c, 'unpause');
  watchHealth(ctx, c);
}
