/**
 * Host programs the code runs (crun, runc, conmon's helpers, zstd, pigz,
 * busybox, mmdebstrap, redis-server…), found in the standard system
 * directories. PATH is not consulted: only entry points read the environment,
 * and a daemon run from a user's shell must find the same programs as one
 * started by systemd.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';

const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of the executable `name` in the standard system directories, or null (looked up each call: a program installed later is found). */
export async function findBinary(name: string): Promise<string | null> {
  for (const dir of BIN_DIRS) {
    const file = path.join(dir, name);
    if (await fsp.access(file, fsc.X_OK).then(() => true, () => false)) return file;
  }
  return null;
}
