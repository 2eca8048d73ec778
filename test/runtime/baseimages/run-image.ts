/** Test helper: run a command in a stored image with the real spec and runtime (layers extracted as the engine's archive does). */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, type RunResult } from '../../../lib/exec.js';
import { isErrno } from '../../../lib/errors.js';
import { applyLayer } from '../../../runtime/archive/index.js';
import { buildSpec, specInputFor } from '../../../runtime/containers/spec.js';
import { cgroupDirs } from '../../../runtime/containers/cgroups.js';
import type { Image, ImageStore } from '../../../runtime/images/types.js';

/** Extract `image` into a fresh bundle and `runtime run` `cmd` in it (the image's Cmd when absent). */
export async function runImage(store: ImageStore, image: Image, cmd?: string[], runtime = 'runc'): Promise<RunResult> {
  const id = `base-${randomBytes(6).toString('hex')}`;
  const bundle = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-baseimage-'));
  const cgroupParent = `/tspaas-test-baseimages-${process.pid}`;
  const rootfs = path.join(bundle, 'rootfs');
  try {
    await fsp.mkdir(rootfs);
    for (const layer of image.layers) await applyLayer(store.openLayer(layer), rootfs, { whiteouts: 'apply' });
    const config = { ...image.config.config, Cmd: cmd ?? image.config.config.Cmd, Hostname: id.slice(0, 12), Tty: false, OpenStdin: false, StdinOnce: false, Image: image.id };
    const spec = buildSpec(await specInputFor({ id, config, options: { image: image.id } }, { rootfs, cgroupParent, seccompProfile: '' }));
    await fsp.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
    return await run(runtime, ['--root', path.join(bundle, 'state'), 'run', '--bundle', bundle, id], { allowFailure: true });
  } finally {
    await fsp.rm(bundle, { recursive: true, force: true });
    for (const dir of await cgroupDirs(cgroupParent)) await fsp.rmdir(dir).catch((e) => { if (!isErrno(e, 'ENOENT') && !isErrno(e, 'EBUSY')) throw e; });
  }
}
