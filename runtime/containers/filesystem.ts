/**
 * A container's filesystem as data: `diff`, `export`, `commit`, and
 * `docker cp` both ways. Paths inside the container are resolved against its
 * root with symlinks followed *inside* that root, never out of it; writes go
 * through the same safe extraction as image layers.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { invalid, isErrno, notFound } from '../../lib/errors.js';
import type { PathStat } from '../types.js';
import type { Change } from '../archive/types.js';
import type { ContainerConfig, Image, ImageConfig } from '../images/types.js';
import { applyLayer } from '../archive/apply.js';
import { packTree } from '../archive/pack.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf } from './context.js';
import { pauseProcess, processStatus, resumeProcess } from './oci-runtime.js';
import { resolveInRoot } from './user.js';
import { mountedPath, type MountedPath } from './archive-mounts.js';
import type { Container } from './types.js';
import { idmapRootOf, usernsOf } from './userns.js';

/** `docker diff`: changes of the writable layer against the image. */
export async function diffContainer(ctx: ContainerContext, c: Container): Promise<Change[]> {
  return ctx.snapshots.changes(c.record.id, c.record.snapshotParent);
}

/** Run `fn` with the container's root mounted, then let go of it when `fn`'s stream (if any) is done. */
async function withRootfs<T>(ctx: ContainerContext, c: Container, fn: (rootfs: string) => Promise<T>, streamOf?: (t: T) => Readable): Promise<T> {
  const p = pathsOf(ctx, c.record.id);
  await ctx.rootfs.acquire(c.record.id, c.record.snapshotParent, p.rootfs, idmapRootOf(c.record, p.rootfs));
  const release = () => ctx.rootfs.release(c.record.id, p.rootfs).catch((err: unknown) => {
    ctx.log.warn({ container: c.record.id, err }, 'the root mount taken for a copy or export could not be released; it stays mounted');
  });
  try {
    const result = await fn(p.rootfs);
    const s = streamOf?.(result);
    if (s) void finished(s).catch(() => undefined).then(release); // a stream error is its reader's to see; release either way
    else await release();
    return result;
  } catch (err) {
    await release();
    throw err;
  }
}

/** `docker export`: the whole filesystem as a flat tar. */
export function exportContainer(ctx: ContainerContext, c: Container): Promise<Readable> {
  return withRootfs(ctx, c, (root) => packTree(root, { name: '', owners: usernsOf(c.record.options) }), (s) => s);
}

/**
 * Run `fn` on the filesystem that holds container path `p`: the host dir of
 * the volume or bind mount it is under (archive-mounts.ts), else the
 * container's root (mounted for the time of `fn` and its stream).
 */
async function withPathRoot<T>(
  ctx: ContainerContext, c: Container, p: string,
  fn: (root: string, inner: string, mount: MountedPath | null) => Promise<T>, streamOf?: (t: T) => Readable,
): Promise<T> {
  const mount = await mountedPath(ctx, c, p);
  if (mount) return fn(mount.root, mount.inner, mount);
  return withRootfs(ctx, c, (root) => fn(root, p, null), streamOf);
}

/** `docker cp` out: a tar of one path, named by its base name, and its stat. */
export function getArchive(ctx: ContainerContext, c: Container, p: string): Promise<{ stat: PathStat; tar: Readable }> {
  return withPathRoot(ctx, c, p, async (root, inner) => {
    const host = await hostPath(root, inner);
    const stat = await statHost(host, p);
    return { stat, tar: await packTree(host, { name: stat.name === '/' ? '' : stat.name, owners: usernsOf(c.record.options) }) };
  }, (r) => r.tar);
}

/** `docker cp`'s HEAD: the stat of a path. */
export function statPath(ctx: ContainerContext, c: Container, p: string): Promise<PathStat> {
  return withPathRoot(ctx, c, p, async (root, inner) => statHost(await hostPath(root, inner), p));
}

/** `docker cp` in: extract a tar into an existing directory of the container. */
export function putArchive(ctx: ContainerContext, c: Container, p: string, tar: Readable): Promise<void> {
  const input = holdStream(tar);
  return withPathRoot(ctx, c, p, async (root, inner, mount) => {
    const dir = await resolveInRoot(root, `${inner}/.`);
    const st = await fsp.stat(dir).catch(() => null);
    if (!st) throw notFound(`Could not find the file ${p} in container ${c.record.name}`);
    if (!st.isDirectory()) throw invalid(`extraction point is not a directory: ${p}`);
    if (mount ? mount.readOnly : c.record.options.readOnlyRootfs) throw invalid(mount ? `mounted volume is marked read-only: ${p}` : 'container rootfs is marked read-only');
    await applyLayer(input, dir, { whiteouts: 'apply', owners: usernsOf(c.record.options) });
  }).finally(() => input.destroy());
}

/**
 * Take `s` over now, before the awaits that precede reading it: a child
 * process's stdout nobody reads yet is resumed by Node when the child exits
 * (its data dropped), so a small tar from a quick `tar -cf -` would extract
 * as nothing. Piping into a PassThrough keeps every byte (backpressure still
 * applies while the source is alive); errors of `s` reach the reader.
 */
function holdStream(s: Readable): PassThrough {
  const held = new PassThrough();
  s.on('error', (err) => held.destroy(err));
  return s.pipe(held);
}

/** Host path of container path `p`: parents resolved inside the root, the last component kept. */
async function hostPath(root: string, p: string): Promise<string> {
  const norm = path.posix.normalize(`/${p}`);
  if (norm === '/' || p.endsWith('/.') || p.endsWith('/')) return resolveInRoot(root, `${norm}/.`);
  return path.join(await resolveInRoot(root, `${path.posix.dirname(norm)}/.`), path.posix.basename(norm));
}

const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;

async function statHost(host: string, p: string): Promise<PathStat> {
  let st;
  try {
    st = await fsp.lstat(host);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notFound(`Could not find the file ${p} in container`);
    throw err;
  }
  const mode = (st.mode & 0o777) + (st.isDirectory() ? GO_DIR : 0) + (st.isSymbolicLink() ? GO_SYMLINK : 0);
  return {
    name: path.posix.basename(path.posix.normalize(`/${p}`)) || '/', size: st.size, mode, mtime: st.mtime.toISOString(),
    linkTarget: st.isSymbolicLink() ? await fsp.readlink(host) : '',
  };
}

/** `docker commit`: the writable layer becomes a new layer on top of the image, with a history entry. */
export async function commitContainer(
  ctx: ContainerContext, c: Container,
  o: { tag?: string; author?: string; message?: string; changes?: Partial<ContainerConfig>; pause?: boolean },
): Promise<Image> {
  const base = await ctx.images.get(c.record.imageId);
  const pause = o.pause !== false && c.state.status === 'running' && await pauseUnlessExited(ctx, c);
  let layer;
  try {
    layer = await ctx.images.putLayer(ctx.snapshots.diff(c.record.id, { owners: usernsOf(c.record.options) }));
  } finally {
    if (pause) await resumeProcess(runtimeOf(ctx, c), c.record.id);
  }
  const now = new Date().toISOString();
  const config: ImageConfig = {
    ...base.config,
    created: now,
    author: o.author ?? '',
    config: { ...processConfig(c), ...(o.changes ?? {}) },
    rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
    history: [...(base.config.history ?? []), { created: now, created_by: commandOf(c), author: o.author, comment: o.message }],
    parent: base.id,
    container: c.record.id,
    container_config: c.record.config,
  };
  return ctx.images.writeImage(config, [...base.layers, layer], o.tag ? [o.tag] : []);
}

/**
 * Freeze a running container for commit. Its process may exit between the
 * status check and the freeze (docker-py commits right after a quick
 * `touch`): a runtime that no longer has it running means there is nothing to
 * freeze (false), as for a stopped container; any other failure is thrown.
 */
async function pauseUnlessExited(ctx: ContainerContext, c: Container): Promise<boolean> {
  const rt = runtimeOf(ctx, c);
  try {
    await pauseProcess(rt, c.record.id);
    return true;
  } catch (err) {
    const now = await processStatus(rt, c.record.id);
    if (now === null || now === 'stopped') return false;
    throw err;
  }
}

/** The image-config part of a container's config. */
function processConfig(c: Container): ContainerConfig {
  const { Hostname: _h, Tty: _t, OpenStdin: _o, StdinOnce: _s, Image: _i, ...rest } = c.record.config;
  return rest;
}

function commandOf(c: Container): string {
  return [...(c.record.config.Entrypoint ?? []), ...(c.record.config.Cmd ?? [])].join(' ');
}
