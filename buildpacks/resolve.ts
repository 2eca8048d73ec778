/**
 * Buildpack references → directories on this host: a bundled name
 * (`nodejs`), a local directory (`/abs/bp`, `./bp`), or a git URL cloned into
 * a temporary directory and pinned by `#ref` (`https://host/bp.git#v2`,
 * `file:///srv/bp#main`, `git@host:bp.git`).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, notFound, unavailable } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import type { ResolvedBuildpack } from './types.js';

/** Bundled buildpacks in detection order: the first whose bin/detect succeeds builds the app. */
export const BUNDLED = ['nodejs', 'python', 'go', 'static', 'procfile'] as const;

/** buildpacks/<name>/ next to this file (also from dist/, where only the .js files are). */
async function bundledRoot(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.resolve(here, '..', '..', 'buildpacks')]) {
    if (await isDir(path.join(dir, 'procfile', 'bin'))) return dir;
  }
  throw unavailable(`bundled buildpacks not found next to ${here}`);
}

/** Resolve every reference; `cleanup` removes the clones. */
export async function resolveBuildpacks(refs: string[]): Promise<{ buildpacks: ResolvedBuildpack[]; cleanup(): Promise<void> }> {
  const temps: string[] = [];
  const cleanup = async () => { await Promise.all(temps.map((t) => fsp.rm(t, { recursive: true, force: true }))); };
  try {
    const buildpacks: ResolvedBuildpack[] = [];
    for (const [i, ref] of refs.entries()) {
      buildpacks.push({ ref, slug: `${i}-${slugOf(ref)}`, dir: await resolveOne(ref, temps) });
    }
    return { buildpacks, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** True for references that name a git repository rather than a directory. */
export function isGitRef(ref: string): boolean {
  return /^[a-z+]+:\/\//i.test(ref) || /^[^/]+@[^:]+:/.test(ref) || /\.git(#.*)?$/.test(ref);
}

async function resolveOne(ref: string, temps: string[]): Promise<string> {
  if ((BUNDLED as readonly string[]).includes(ref)) return path.join(await bundledRoot(), ref);
  if (isGitRef(ref)) return cloneBuildpack(ref, temps);
  if (!path.isAbsolute(ref) && !ref.startsWith('.')) throw notFound(`no bundled buildpack named "${ref}" (bundled: ${BUNDLED.join(', ')}); give a path or a git URL`);
  if (!(await isDir(path.join(ref, 'bin')))) throw notFound(`buildpack ${ref}: no bin/ directory there`);
  return path.resolve(ref);
}

/** `git clone` into a temporary directory, then check out `#ref` when given. */
async function cloneBuildpack(ref: string, temps: string[]): Promise<string> {
  const [url, pin] = splitPin(ref);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-bp-'));
  temps.push(dir);
  const env = { ...processEnvForGit(), GIT_TERMINAL_PROMPT: '0' };
  await run('git', ['clone', '--quiet', '--', url, dir], { env }).catch((err: unknown) => { throw unavailable(`cannot clone buildpack ${url}`, err); });
  if (pin) await run('git', ['-C', dir, 'checkout', '--quiet', pin], { env }).catch((err: unknown) => { throw notFound(`buildpack ${url} has no ref "${pin}"`, err); });
  if (!(await isDir(path.join(dir, 'bin')))) throw invalid(`buildpack ${ref}: the repository has no bin/ directory`);
  return dir;
}

/** `url#ref` → [url, ref]. */
export function splitPin(ref: string): [string, string | undefined] {
  const i = ref.lastIndexOf('#');
  return i < 0 ? [ref, undefined] : [ref.slice(0, i), ref.slice(i + 1) || undefined];
}

/** A short directory-safe name: `https://x/heroku-buildpack-ruby.git#v1` → `heroku-buildpack-ruby`. */
export function slugOf(ref: string): string {
  const base = path.basename(splitPin(ref)[0].replace(/\/+$/, '')).replace(/\.git$/, '');
  return base.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40) || 'buildpack';
}

/** git needs PATH and HOME; nothing else of ours leaks into it. */
function processEnvForGit(): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: os.tmpdir() };
}

async function isDir(p: string): Promise<boolean> {
  return fsp.stat(p).then((s) => s.isDirectory(), () => false);
}
