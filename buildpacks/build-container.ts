/**
 * The build container: made from the build stack, running `sleep` while the
 * runner execs each buildpack step in it. Layout inside:
 *
 *   /app                     BUILD_DIR: the source, compiled in place
 *   /cache                   CACHE_DIR: the app's cache dir (bind mount)
 *   /tspaas/env              ENV_DIR: one file per config var
 *   /tspaas/buildpacks/<n>   each buildpack's files (those on this host copied
 *                            in before the start, https:// ones fetched after)
 *   /tspaas/downloads        the host's download store, read-only, when the
 *                            build has one (downloads.ts; TSPAAS_DOWNLOADS names it)
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Engine } from '../runtime/types.js';
import { invalid, unavailable } from '../lib/errors.js';
import type { BuildLimits, ResolvedBuildpack } from './types.js';
import type { UsernsOption } from '../runtime/containers/types.js';
import type { IdMapping } from '../runtime/archive/owners.js';
import { run } from '../lib/exec.js';
import { DOWNLOADS_DIR, DOWNLOADS_ENV } from './downloads.js';

export const BUILD_DIR = '/app';
export const CACHE_DIR = '/cache';
export const ENV_DIR = '/tspaas/env';
export const BUILDPACKS_DIR = '/tspaas/buildpacks';
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface BuildContainerSpec {
  image: string;
  cacheDir: string;
  limits: BuildLimits;
  network?: string;
  caFile?: string;
  /** Issue 13 part 2: its user namespace (the cache dir is given to its root). */
  userns?: UsernsOption;
  /** The host's download store directory, mounted read-only (downloads.ts). */
  downloadsDir?: string;
}

/** What goes into the build container before it starts. */
export interface BuildContainerFiles {
  sourceDir: string;
  env: Record<string, string>;
  buildpacks: ResolvedBuildpack[];
}

/**
 * Create the build container, copy the files in, start it; returns its ID.
 * Files go in before the start: writing into a running container's upper
 * directory behind overlayfs's back is not reliably visible inside.
 */
export async function startBuildContainer(engine: Engine, spec: BuildContainerSpec, files: BuildContainerFiles): Promise<string> {
  await giveCacheTo(spec.cacheDir, spec.userns);
  const c = await engine.createContainer({
    image: spec.image,
    cmd: ['sleep', 'infinity'],
    workingDir: BUILD_DIR,
    env: ['STACK=tspaas-bookworm', 'HOME=/app', 'CI=true', `NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`, ...(spec.downloadsDir ? [`${DOWNLOADS_ENV}=${DOWNLOADS_DIR}`] : [])],
    labels: { 'io.tspaas.buildpacks.build': 'true' },
    mounts: [
      { type: 'bind', source: spec.cacheDir, target: CACHE_DIR, readOnly: false },
      ...(spec.caFile ? [{ type: 'bind' as const, source: spec.caFile, target: CA_BUNDLE, readOnly: true }] : []),
      ...(spec.downloadsDir ? [{ type: 'bind' as const, source: spec.downloadsDir, target: DOWNLOADS_DIR, readOnly: true }] : []),
    ],
    memory: spec.limits.memory,
    pidsLimit: spec.limits.pids,
    nanoCpus: spec.limits.nanoCpus,
    cpuShares: spec.limits.cpuShares,
    networkMode: spec.network,
    userns: spec.userns,
  });
  const id = c.record.id;
  try {
    await engine.putArchive(id, '/', packDir(files.sourceDir, ['./.git'], ['--mode=a+rX', '--transform=s,^\\.,app,']));
    await engine.putArchive(id, '/', packEnv(files.env));
    for (const b of files.buildpacks) {
      if (b.dir === null) continue; // remote ones are fetched by the container itself once it runs (fetch.ts)
      await engine.putArchive(id, '/', packDir(b.dir, ['./.git'], ['--mode=a+rX', `--transform=s,^\\.,${BUILDPACKS_DIR.slice(1)}/${b.slug},`]));
    }
    await engine.startContainer(id);
  } catch (err) {
    await engine.removeContainer(id, { force: true }).catch(() => undefined);
    throw err;
  }
  return id;
}

/**
 * Issue 13 part 2: the cache dir (bind-mounted at /cache) belongs to the
 * build container's root, else it could not write there. Done only when its
 * top is someone else's (a cache from before, or a fresh dir); `chown -R`
 * changes symlinks themselves and never follows them.
 */
async function giveCacheTo(cacheDir: string, userns: UsernsOption | undefined): Promise<void> {
  if (typeof userns !== 'object') return;
  const at0 = (m: IdMapping[]) => m.find((r) => r.containerId === 0)?.hostId ?? 0;
  const root = { uid: at0(userns.uidMap), gid: at0(userns.gidMap) };
  const st = await fsp.stat(cacheDir);
  if (st.uid === root.uid && st.gid === root.gid) return;
  await run('chown', ['-R', '--no-dereference', `${root.uid}:${root.gid}`, cacheDir]);
}

/** Extract a source tar into a new temporary directory (the API's upload); `cleanup` removes it. */
export async function unpackSource(source: Readable): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-src-'));
  const cleanup = () => fsp.rm(dir, { recursive: true, force: true });
  const child = spawn('tar', ['-x', '-C', dir, '--no-same-owner', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const closed = new Promise<number>((r) => child.on('close', (code) => r(code ?? 1)));
  source.on('error', () => child.kill());
  source.pipe(child.stdin!);
  if ((await closed) !== 0) {
    await cleanup();
    throw invalid(`the source is not a valid tar archive: ${err.trim()}`);
  }
  return { dir, cleanup };
}

/** A directory as a tar stream (the host's GNU tar). */
export function packDir(dir: string, exclude: string[] = [], flags: string[] = []): Readable {
  const args = ['-C', dir, ...exclude.map((e) => `--exclude=${e}`), ...flags, '-cf', '-', '.'];
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.on('close', (code) => { if (code !== 0) child.stdout!.destroy(unavailable(`tar of ${dir} failed: ${err.trim()}`)); });
  return child.stdout!;
}

/** ENV_DIR as a tar: one file per variable. */
export function packEnv(env: Record<string, string>): Readable {
  const pack = tar.pack();
  pack.entry({ name: `${ENV_DIR.slice(1)}/`, type: 'directory', mode: 0o755 });
  for (const [k, v] of Object.entries(env).sort()) pack.entry({ name: `${ENV_DIR.slice(1)}/${k}`, mode: 0o644 }, v);
  pack.finalize();
  return Readable.from(pack); // tar-stream packs are streamx streams; hand out a Node one
}
