/** `stop`, `kill`, `pause`, `unpause`: signals and freezing through the OCI runtime. */
import { conflict, notModified } from '../../lib/errors.js';
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
    await signalProcess(runtimeOf(ctx, c), c.record.id, normalizeSignal(c.record.config.StopSignal, 'SIGTERM')).catch(() => undefined);
    return true;
  });
  if (!signalled) {
    if (pendingRestart) return;
    throw notModified('container already stopped');
  }
  const seconds = timeout ?? c.record.options.stopTimeout ?? 10;
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(0, seconds) * 1000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    await signalProcess(runtimeOf(ctx, c), c.record.id, 'SIGKILL').catch(() => undefined);
    await exited;
  }
  emitContainerEvent(ctx, c, 'stop');
}

/** Send a signal (default SIGKILL). `Conflict` when the container is not running. */
export async function killContainer(ctx: ContainerContext, c: Container, signal?: string): Promise<void> {
  const sig = normalizeSignal(signal);
  await ctx.locks.run(c.record.id, async () => {
    if (!isUp(c)) throw conflict(`Container ${c.record.id} is not running`);
    if (sig === 'SIGKILL' || sig === 'SIGTERM') {
      cancelRestart(ctx, c.record.id);
      await ctx.store.saveState(c.record.id, { ...c.state, stoppedByUser: true });
    }
    await signalProcess(runtimeOf(ctx, c), c.record.id, sig);
    emitContainerEvent(ctx, c, 'kill', { signal: sig });
  });
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
