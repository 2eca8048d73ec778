/**
 * What happens when a container's process ends: conmon writes
 * `<run>/exits/<id>`; the engine (watching that dir, or finding the file at
 * start-up) records the exit code and OOM kill, lets the runtime delete its
 * state and cgroup, unmounts the root (the writable layer stays), tells
 * waiters and attachments, then applies `--rm` or the restart policy.
 */
import { promises as fsp, watch } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, emitContainerEvent, cgroupPathOf, logPolicyOf } from './context.js';
import { deleteProcess } from './oci-runtime.js';
import { readOomKills } from './cgroups.js';
import { exitDir } from './paths.js';
import { scheduleRestart } from './restart.js';
import { unwatchHealth } from './health.js';
import type { Container } from './types.js';
import { releaseShareableShm } from './host-spec.js';

const RESCAN_MS = 3000;

/**
 * Watch the exit dir; calls `onExit(id)` for each exit file that appears.
 * inotify reports them at once; a rescan every few seconds catches any event
 * the kernel dropped (its queue can overflow). `onExit` must be idempotent.
 */
export async function watchExits(runRoot: string, onExit: (id: string) => void): Promise<{ close(): void }> {
  const dir = exitDir(runRoot);
  await fsp.mkdir(dir, { recursive: true });
  const report = (file: string | null) => { if (file && /^[0-9a-f]{64}$/.test(file)) onExit(file); };
  const w = watch(dir, (_event, file) => report(file));
  w.on('error', () => undefined); // the rescan below still finds every exit file
  const rescan = setInterval(() => void fsp.readdir(dir).then((files) => files.forEach(report), () => undefined), RESCAN_MS); // tried again in RESCAN_MS
  rescan.unref();
  return { close: () => { w.close(); clearInterval(rescan); } };
}

/** Read an exit file; null when there is none. */
export async function readExitCode(file: string): Promise<number | null> {
  try {
    const text = (await fsp.readFile(file, 'utf8')).trim();
    return text === '' ? null : Number.parseInt(text, 10);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/**
 * Record the exit of a running container. Caller holds its lock. Returns
 * what to do next ("remove" for --rm), or null. `exitCode` overrides the
 * exit file (used when the monitor vanished without writing one).
 */
export async function recordExit(ctx: ContainerContext, c: Container, forced?: { exitCode: number; error: string }): Promise<'remove' | null> {
  if (c.state.status !== 'running' && c.state.status !== 'paused') return null;
  const p = pathsOf(ctx, c.record.id);
  const code = forced?.exitCode ?? (await readExitCode(p.exitFile));
  if (code === null) return null;
  unwatchHealth(ctx, c.record.id);
  const oom = (await exists(p.oomFile)) || (await readOomKills(cgroupPathOf(ctx, c.record.id)).catch(() => 0)) > 0;
  // conmon wrote the exit file when the process ended; that is the exit time, even if we learn of it later.
  const finishedAt = (await fsp.stat(p.exitFile).catch(() => null))?.mtime ?? new Date();
  // The network goes before the exit is recorded: whoever sees "exited" (stop, wait, inspect) can remove the network.
  await detachNetwork(ctx, c);
  await ctx.store.saveState(c.record.id, {
    ...c.state, status: 'exited', pid: 0, exitCode: code, oomKilled: oom && code === 137,
    error: forced?.error ?? '', finishedAt: finishedAt.toISOString(),
  });
  await fsp.rm(p.exitFile, { force: true });
  await ctx.logRotation.stop(c.record.id, { log: p.log, maxFile: logPolicyOf(ctx, c).maxFile });
  for (const a of ctx.attachments.get(c.record.id) ?? []) a.finish();
  ctx.attachments.delete(c.record.id);
  emitContainerEvent(ctx, c, 'die', { exitCode: String(code) });
  if (oom && code === 137) emitContainerEvent(ctx, c, 'oom');
  ctx.waiters.exited(c.record.id, code);
  // Waiters know; now let go of the runtime's record and the mount (removal does both for --rm).
  if (c.record.options.autoRemove) return 'remove';
  await releaseProcess(ctx, c);
  scheduleRestart(ctx, c);
  return null;
}

/** Delete the runtime's record (and cgroup) of an exited container, tear down its network and unmount its root. */
export async function releaseProcess(ctx: ContainerContext, c: Container): Promise<void> {
  await deleteProcess(runtimeOf(ctx, c), c.record.id);
  await detachNetwork(ctx, c);
  await ctx.rootfs.release(c.record.id, pathsOf(ctx, c.record.id).rootfs);
  await releaseShareableShm(c.record.options, pathsOf(ctx, c.record.id).run); // issue 16: --ipc shareable
}

/** Take an exited container off its networks; a failure leaves the sandbox to the next start's or engine start's sweep. */
async function detachNetwork(ctx: ContainerContext, c: Container): Promise<void> {
  await ctx.network.detach(c.record.id).catch((err: unknown) => {
    ctx.log.warn({ container: c.record.id, err }, 'exit: the network sandbox could not be removed; a later sweep removes it');
  });
}

async function exists(file: string): Promise<boolean> {
  return fsp.access(file).then(() => true, () => false);
}
