/**
 * Docker's copy-up: a volume mounted where the image has a directory starts
 * with a copy of that directory (its files, owners and modes, and the
 * directory's own owner and mode), when the volume is empty at the start —
 * `docker volume create data` then `-v data:/usr/share/nginx/html` serves
 * the image's pages, as with dockerd. `nocopy` (`-v data:/path:nocopy`,
 * `VolumeOptions.NoCopy`) leaves it empty.
 *
 * The copy is made beside the volume's data dir (in its quota dir, never
 * visible to a container) and then renamed in entry by entry: a container
 * that shares the volume and writes to it meanwhile keeps what it wrote
 * (rename replaces a symlink it planted, never follows it), and a copy
 * that fails (the volume's quota) leaves the volume as it was.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../lib/exec.js';
import { isErrno } from '../../lib/errors.js';
import { resolveInRoot } from './user.js';

/** Copy the content of container path `target` in `rootfs` (mounted, the container not running) into the empty volume dir `data`. */
export async function copyImageContent(rootfs: string, target: string, data: string): Promise<void> {
  const src = await resolveInRoot(rootfs, target);
  const st = await fsp.lstat(src).catch((err: unknown) => { if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null; throw err; });
  if (!st?.isDirectory() || (await fsp.readdir(data)).length > 0) return;
  await fsp.chown(data, st.uid, st.gid);
  await fsp.chmod(data, st.mode & 0o7777);
  if ((await fsp.readdir(src)).length === 0) return;
  const staging = path.join(path.dirname(data), `.copy-up-${randomBytes(6).toString('hex')}`);
  await fsp.mkdir(staging, { mode: 0o700 });
  try {
    // -a keeps owners, modes, times, links and special files as they are; nothing is followed.
    await run('cp', ['-a', '--no-dereference', '--', `${src}/.`, staging]);
    for (const name of await fsp.readdir(staging)) {
      await fsp.rename(path.join(staging, name), path.join(data, name)).catch((err: unknown) => {
        // Something of that name was written meanwhile by a container sharing the volume: its own stays.
        if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST') && !isErrno(err, 'EISDIR') && !isErrno(err, 'ENOTDIR')) throw err;
      });
    }
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
