/**
 * Where COPY/ADD sources come from, as a list of small resolvers tried in
 * order: a heredoc (`COPY <<EOF /file`), a URL (ADD only, fetched from a
 * sandbox on the build's own network, never from the engine's host-side
 * namespace: see fetch-url.ts), another stage or image (`--from`), and
 * otherwise the build context.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isKind } from '../../lib/errors.js';
import { applyLayer } from '../archive/index.js';
import type { Image } from '../images/types.js';
import { withBuildContainer } from './containers.js';
import { fetchForBuild } from './fetch-url.js';
import { mayPullFrom, mayUseImage, mustPullAgain, registryAuthFor, resolvableRef } from './scope.js';
import type { Instruction } from './dockerfile/index.js';
import { resolveSources, type Source } from './sources.js';
import type { Build } from './state.js';
import type { BuildProgress } from './types.js';

/** A fresh directory under the build's scratch space. */
async function scratchDir(b: Build): Promise<string> {
  const dir = path.join(b.ctx.scratch, randomBytes(6).toString('hex'));
  await fsp.mkdir(dir, { recursive: true });
  return dir;
}

/** A single file written to scratch as a source. */
async function fileSource(b: Build, name: string, data: Buffer | string, mode: number, mtime?: Date): Promise<Source> {
  const host = path.join(await scratchDir(b), path.basename(name) || 'file');
  await fsp.writeFile(host, data, { mode });
  await fsp.chmod(host, mode);
  if (mtime) await fsp.utimes(host, mtime, mtime);
  return { name, host, isDir: false, entries: [{ host, rel: '', stat: await fsp.lstat(host) }] };
}

/** `<<EOF` names the instruction's heredoc of that name. */
async function heredocSource(b: Build, ins: Instruction, src: string): Promise<Source | null> {
  const m = /^<<-?["']?(\w+)["']?$/.exec(src);
  const doc = m && ins.heredocs.find((h) => h.name === m[1]);
  if (!doc) return null;
  return fileSource(b, doc.name, doc.content, 0o644);
}

/** ADD of an http(s) URL: downloaded now from the build's network sandbox (mode 0600, mtime from Last-Modified). */
async function urlSource(b: Build, ins: Instruction, src: string): Promise<Source | null> {
  if (ins.name !== 'ADD' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) return null;
  if (!/^https?:\/\//i.test(src)) throw invalid(`ADD failed: unsupported URL scheme in ${src}: only http and https URLs are supported`);
  const name = decodeURIComponent(new URL(src).pathname.split('/').pop() ?? '');
  const host = path.join(await scratchDir(b), path.basename(name) || 'file');
  const got = await fetchForBuild(b.deps, b.opts.networkMode, src, host);
  await fsp.chmod(host, 0o600);
  if (got.lastModified) await fsp.utimes(host, new Date(got.lastModified), new Date(got.lastModified));
  return { name, host, isDir: false, entries: [{ host, rel: '', stat: await fsp.lstat(host) }] };
}

/** The image a `--from` names: an earlier stage (by name or index) or an image. */
async function fromImage(b: Build, ref: string, stageIndex: number): Promise<Image> {
  const stages = b.dockerfile.stages.slice(0, stageIndex);
  const stage = stages.find((s) => s.name === ref.toLowerCase()) ?? (/^\d+$/.test(ref) ? stages[Number(ref)] : undefined);
  if (stage) return b.stageImages[stage.index];
  if (b.dockerfile.stages.some((s) => s.name === ref.toLowerCase())) throw invalid(`invalid from flag value ${ref}: refers to a later build stage`);
  return baseImage(b, ref);
}

/**
 * A FROM or --from image: present, made now (the built-in base images), or
 * pulled from the registry its name holds (Docker Hub names: from the
 * engine's registry mirrors), with the build's credentials for it. A scoped
 * build asks the registry again even when the image is here (mustPullAgain).
 */
export async function baseImage(b: Build, ref: string): Promise<Image> {
  const { engine } = b.deps;
  const name = resolvableRef(b.opts.scope, ref);
  if (name === null) throw noSuchImage(ref);
  const image = mustPullAgain(b.opts.scope, name)
    ? await pullBase(b, ref, name)
    : await engine.ensureImage(name, (progress) => b.emit({ kind: 'progress', progress })).catch(async (err) => {
      if (!isKind(err, 'NotFound')) throw err;
      return pullBase(b, ref, name);
    });
  if (!mayUseImage(b.opts.scope, image)) throw noSuchImage(ref);
  return image;
}

/** Pull a base image where a (scoped) build may make the engine pull from. */
async function pullBase(b: Build, ref: string, name: string): Promise<Image> {
  const { engine } = b.deps;
  const subnets = (await engine.listNetworks()).map((n) => n.subnet).filter(Boolean);
  if (!(await mayPullFrom(b.opts.scope, name, subnets))) throw noSuchImage(ref);
  const onProgress = (progress: BuildProgress) => b.emit({ kind: 'progress', progress });
  return engine.pullImage(name, { onProgress, auth: registryAuthFor(b.opts.registryAuth, name) }).catch((pullErr) => {
    if (isKind(pullErr, 'NotFound')) throw noSuchImage(ref, pullErr);
    throw pullErr;
  });
}

/** Docker's answer to a FROM image that is neither here nor in its registry. */
function noSuchImage(ref: string, cause?: unknown): Error {
  return invalid(`pull access denied for ${ref}, repository does not exist or may require 'docker login': no such image: ${ref}`, cause);
}

/** `--from`: each source fetched out of a container of that image into scratch, then matched there. */
async function fromSources(b: Build, ref: string, stageIndex: number, srcs: string[], verb: string): Promise<Source[]> {
  const image = await fromImage(b, ref, stageIndex);
  return withBuildContainer(b, image, { cmd: ['#(nop)'] }, async (id) => {
    const out: Source[] = [];
    for (const src of srcs) {
      const abs = path.posix.resolve('/', src);
      const parts = abs.split('/').filter(Boolean);
      const firstGlob = parts.findIndex((p) => /[*?[]/.test(p));
      const prefix = `/${parts.slice(0, firstGlob < 0 ? parts.length : firstGlob).join('/')}`;
      const root = await scratchDir(b);
      const got = await b.deps.engine.getArchive(id, prefix).catch((err) => {
        if (isKind(err, 'NotFound')) throw invalid(`${verb} failed: stat ${src}: file does not exist in ${ref}`, err);
        throw err;
      });
      await applyLayer(got.tar, root, { whiteouts: 'apply' });
      const top = prefix === '/' ? '' : path.posix.basename(prefix);
      const pattern = [top, ...parts.slice(firstGlob < 0 ? parts.length : firstGlob)].filter(Boolean).join('/') || '.';
      out.push(...await resolveSources(root, [pattern], [], verb));
    }
    return out;
  });
}

/** Every source of a COPY/ADD, in order. */
export async function gatherSources(b: Build, ins: Instruction, srcs: string[], from: string | null, stageIndex: number): Promise<Source[]> {
  const verb = ins.name;
  if (from) return fromSources(b, from, stageIndex, srcs, verb);
  const out: Source[] = [];
  for (const src of srcs) {
    const special = await heredocSource(b, ins, src) ?? await urlSource(b, ins, src);
    out.push(...(special ? [special] : await resolveSources(b.ctx.dir, [src], b.ctx.ignore, verb)));
  }
  return out;
}
