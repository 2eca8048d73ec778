/**
 * Network namespaces as files, as `unshare --net=<file>` makes them: a
 * namespace is created and bind-mounted on the file (by the resident
 * syscall helper, lib/syscalls.ts), so it lives on without any process in it
 * until the file is unmounted. The container's OCI spec joins it by path.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { isErrno, unavailable } from '../../lib/errors.js';
import { bindNewNetns } from '../../lib/syscalls.js';
import { unmount } from '../snapshots/mount.js';

/**
 * Create a fresh network namespace bound to `file` (its directory is
 * created), with `lo` up and IPv6 off for it and every interface to come,
 * before any is added (the engine's networks are IPv4 only; a container
 * that turns it back on still cannot send it past its bridge port,
 * antispoof.ts).
 */
export async function createNetns(file: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fsp.writeFile(file, '', { mode: 0o444 });
  await bindNewNetns(file).catch(async (err: unknown) => {
    await fsp.rm(file, { force: true });
    throw unavailable(`cannot create a network namespace: ${err instanceof Error ? err.message : String(err)}`, err);
  });
}

/** Release the namespace bound to `file` and delete the file; a missing one is fine. */
export async function removeNetns(file: string): Promise<void> {
  // unmount() takes "not mounted" and a missing file as done: no mountinfo scan needed first.
  await unmount(file);
  await fsp.rm(file).catch((err: unknown) => { if (!isErrno(err, 'ENOENT')) throw err; });
}

/** Run a command inside the namespace (for reading its interfaces). */
export function inNetns(file: string, cmd: string, args: string[]): ReturnType<typeof run> {
  return run('nsenter', [`--net=${file}`, cmd, ...args]);
}
