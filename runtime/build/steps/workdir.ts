/** WORKDIR: set the working directory; create it (a layer) when the image does not have it. */
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { isKind } from '../../../lib/errors.js';
import type { Image } from '../../images/types.js';
import { processWord } from '../dockerfile/index.js';
import { commitLayer, withBuildContainer } from '../containers.js';
import { configOf, lookupOf, nop, type Build } from '../state.js';
import type { Step } from './step.js';

/** A tar with one directory entry. */
function dirTar(dir: string): Readable {
  const pack = tarStream.pack();
  pack.entry({ name: `${dir.replace(/^\/+/, '')}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0 } as tarStream.Header);
  pack.finalize();
  return pack as unknown as Readable;
}

/** True when `dir` exists in the container. */
export async function existsIn(b: Build, id: string, dir: string): Promise<boolean> {
  return b.deps.engine.statPath(id, dir).then(() => true, (err) => {
    if (isKind(err, 'NotFound')) return false;
    throw err;
  });
}

/** Create `dir` in a build container on `parent`; null when it already exists. */
export function makeDir(b: Build, parent: Image, dir: string) {
  return withBuildContainer(b, parent, { cmd: ['#(nop)'] }, async (id) => {
    if (await existsIn(b, id, dir)) return null;
    await b.deps.engine.putArchive(id, '/', dirTar(dir));
    return commitLayer(b, id);
  });
}

export const workdir: Step = async (ins, s, b) => {
  const given = processWord(ins.args, lookupOf(s), b.dockerfile.escape);
  const dir = path.posix.resolve('/', configOf(s).WorkingDir || '/', given);
  return {
    createdBy: nop(s, `WORKDIR ${dir}`, 1),
    config: { ...configOf(s), WorkingDir: dir },
    layer: (parent) => makeDir(b, parent, dir),
  };
};
