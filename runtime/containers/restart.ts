/**
 * Restart policies (Docker's): `no`, `on-failure[:N]`, `always`,
 * `unless-stopped`. A stop or kill by the user never triggers a restart.
 * Backoff doubles from 100 ms up to one minute and starts over once a run
 * lasted at least 10 seconds.
 */
import type { ContainerContext } from './context.js';
import { startContainer } from './start.js';
import type { Container } from './types.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** Does the policy want this exited container running again? */
export function wantsRestart(c: Container): boolean {
  const p = c.record.options.restartPolicy ?? { name: 'no', maximumRetryCount: 0 };
  if (c.state.stoppedByUser || c.record.options.autoRemove) return false;
  switch (p.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return c.state.exitCode !== 0 && (p.maximumRetryCount <= 0 || c.state.restartCount < p.maximumRetryCount);
    default:
      return false;
  }
}

/** The wait before the next restart. */
export function backoffMs(c: Container): number {
  const ran = Date.parse(c.state.finishedAt) - Date.parse(c.state.startedAt);
  if (ran >= RESET_AFTER_MS) return FIRST_DELAY_MS;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(c.state.restartCount, 20));
}

/** If the policy asks for it, start the container again after its backoff. */
export function scheduleRestart(ctx: ContainerContext, c: Container): void {
  if (!wantsRestart(c)) return;
  const delay = backoffMs(c);
  const id = c.record.id;
  cancelRestart(ctx, id);
  ctx.restartTimers.set(id, setTimeout(() => {
    ctx.restartTimers.delete(id);
    void ctx.restart(id); // logs its own failures
  }, delay));
}

/**
 * Start a container again for its policy (`ctx.restart`): counts the restart,
 * takes the lock. Never rejects: a failed start is recorded on the container
 * by `startContainer` and logged here.
 */
export async function restartByPolicy(ctx: ContainerContext, id: string, atBoot: boolean): Promise<void> {
  let c: Container;
  try {
    c = ctx.store.resolve(id);
  } catch {
    return; // removed meanwhile: the policy has nothing to do
  }
  await ctx.locks.run(id, async () => {
    // Started meanwhile, or stopped/removed by the user: the policy has nothing to do.
    if (c.state.status !== 'exited' || (c.state.stoppedByUser && !atBoot)) return;
    await ctx.store.saveState(id, { ...c.state, restartCount: atBoot ? c.state.restartCount : c.state.restartCount + 1 });
    await startContainer(ctx, c);
  }).catch((err: unknown) => {
    // No new exit follows a failed start, so nothing schedules another: the container stays down.
    ctx.log.error({ container: id, err, atBoot }, 'restart policy: the container could not be started again');
    cancelRestart(ctx, id);
  });
}

/** Forget a pending restart (stop, rm). */
export function cancelRestart(ctx: ContainerContext, id: string): void {
  const t = ctx.restartTimers.get(id);
  if (t) clearTimeout(t);
  ctx.restartTimers.delete(id);
}
