/**
 * Buildpack references → where their files come from: a bundled name
 * (`nodejs`), an `https://` git repository or tarball fetched later by the
 * build container itself (see fetch.ts), and — only for the operator's own
 * builds (`allowLocal`) — a local directory (`/abs/bp`, `./bp`) or any git
 * URL cloned by this host into a temporary directory and pinned by `#ref`
 * (`file:///srv/bp#main`, `git@host:bp.git`). Anything else is refused with
 * one message that says nothing about the host (see types.ts).
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forbidden, invalid, notFound, unavailable } from '../lib/errors.js';
import { run } from '../lib/exec.js';
import type { RemoteBuildpack, ResolvedBuildpack } from './types.js';

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
export async function resolveBuildpacks(refs: string[], opts: { allowLocal?: boolean } = {}): Promise<{ buildpacks: ResolvedBuildpack[]; cleanup(): Promise<void> }> {
  const temps: string[] = [];
  const cleanup = async () => { await Promise.all(temps.map((t) => fsp.rm(t, { recursive: true, force: true }))); };
  try {
    const buildpacks: ResolvedBuildpack[] = [];
    for (const [i, ref] of refs.entries()) {
      const slug = `${i}-${slugOf(ref)}`;
      const remote = parseRemote(ref);
      buildpacks.push(remote ? { ref, slug, dir: null, remote } : { ref, slug, dir: await resolveLocal(ref, temps, opts.allowLocal ?? false), remote: null });
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

/** The one answer to every reference a build may not use: it never says whether a path or repository exists here. */
export function refused(ref: string): Error {
  return forbidden(`buildpack ${ref} is not allowed: a build takes bundled buildpacks (${BUNDLED.join(', ')}) `
    + 'or https:// URLs of git repositories or tarballs on public hosts');
}

/** An `https://` reference as a remote buildpack (its host not yet checked); null for any other reference. */
export function parseRemote(ref: string): RemoteBuildpack | null {
  if (!/^https:\/\//i.test(ref)) return null;
  const [raw, pin] = splitPin(ref);
  let url: URL;
  try {
    url = new URL(raw); // WHATWG parsing normalizes IPv4 in decimal, hex and octal to dotted form
  } catch {
    throw refused(ref);
  }
  if (!url.hostname || url.hostname.startsWith('[')) throw refused(ref); // IPv6 literals: build networks are IPv4 only
  const kind = /\.(tgz|tar\.gz|tar)$/i.test(url.pathname) ? 'tarball' : 'git';
  if (kind === 'tarball' && pin) throw invalid(`buildpack ${ref}: a #ref pins git repositories only, not tarballs`);
  return { url: url.href, host: url.hostname, port: Number(url.port || 443), kind, pin };
}

/** A bundled name, or (operator builds only) a local directory or a git URL cloned here. */
async function resolveLocal(ref: string, temps: string[], allowLocal: boolean): Promise<string> {
  if ((BUNDLED as readonly string[]).includes(ref)) return path.join(await bundledRoot(), ref);
  const pathLike = isGitRef(ref) || path.isAbsolute(ref) || ref.startsWith('.');
  if (!pathLike) throw notFound(`no bundled buildpack named "${ref}" (bundled: ${BUNDLED.join(', ')}); give an https:// URL`);
  if (!allowLocal) throw refused(ref);
  if (isGitRef(ref)) return cloneBuildpack(ref, temps);
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
