/**
 * Network namespaces as files: `unshare --net=<file>` creates a namespace
 * and bind-mounts it on the file, so it lives on without any process in it
 * until the file is unmounted. The container's OCI spec joins it by path.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { isErrno, unavailable } from '../../lib/errors.js';
import { unmount } from '../snapshots/mount.js';

/**
 * Run in every new namespace before any interface is added: IPv6 off for `lo`
 * and every interface to come (the engine's networks are IPv4 only; a
 * container that turns it back on still cannot send it past its bridge port,
 * antispoof.ts). A kernel without IPv6 has nothing to turn off.
 */
const IPV6_OFF = 'c=/proc/sys/net/ipv6/conf; [ ! -d $c ] || { echo 1 > $c/default/disable_ipv6 && echo 1 > $c/all/disable_ipv6; }';

/** Create a fresh network namespace bound to `file` (its directory is created), with IPv6 off. */
export async function createNetns(file: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fsp.writeFile(file, '', { mode: 0o444 });
  const res = await run('unshare', [`--net=${file}`, '/bin/sh', '-c', IPV6_OFF], { allowFailure: true });
  if (res.code !== 0) {
    await fsp.rm(file, { force: true });
    throw unavailable(`cannot create a network namespace: ${res.stderr.trim() || `unshare exited with ${res.code}`}`);
  }
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
