/**
 * `container cp`: copy files between a container and the local filesystem,
 * either way, with Docker's rules: into an existing directory the source
 * keeps its name; otherwise it is copied under the destination's name; a
 * source ending in `/.` copies a directory's contents; `-` is a tar on
 * stdin/stdout.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { invalid, isKind, notFound } from '../../../lib/errors.js';
import { seg, type App, type CliContext } from '../../context.js';
import { extractTar, packPath, readInput, writeOutput } from '../../archive.js';

const DIR_BIT = 0x80000000; // Go's os.ModeDir as Docker sends it

export function register(parent: Command, app: App): void {
  parent.command('cp').description('Copy files between a container and the local filesystem')
    .argument('<src>', 'CONTAINER:SRC_PATH, a local path or - (tar on stdin)')
    .argument('<dest>', 'CONTAINER:DEST_PATH, a local path or - (tar on stdout)')
    .action(app.action(async (ctx, src: string, dest: string) => {
      const from = splitContainerPath(src);
      const to = splitContainerPath(dest);
      if (from && to) throw invalid('copying between containers is not supported');
      if (from) return copyOut(ctx, from.ref, from.path, dest);
      if (to) return copyIn(ctx, src, to.ref, to.path);
      throw invalid('one of the paths must be CONTAINER:PATH');
    }));
}

/** "ctr:/path" → {ref, path}; local paths (absolute, ./…, or without a colon) → undefined. */
export function splitContainerPath(arg: string): { ref: string; path: string } | undefined {
  const i = arg.indexOf(':');
  if (i <= 0 || arg.startsWith('/') || arg.startsWith('.')) return undefined;
  return { ref: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

async function copyOut(ctx: CliContext, ref: string, src: string, dest: string): Promise<void> {
  const res = await ctx.engine.stream('GET', `/containers/${seg(ref)}/archive`, { query: { path: src } });
  if (dest === '-') return writeOutput(ctx, res, undefined);
  const root = decodeStat(res.headers['x-docker-container-path-stat'])?.name ?? path.posix.basename(src);
  const local = await fsp.stat(dest).catch(() => undefined);
  const contents = src.endsWith('/.');
  if (local?.isDirectory()) return extractTar(res, path.resolve(dest), contents ? { from: root, to: '' } : undefined);
  if (!local && dest.endsWith('/')) throw notFound(`local directory ${dest} does not exist`);
  await extractTar(res, path.resolve(path.dirname(dest)), { from: root, to: path.basename(dest) });
}

async function copyIn(ctx: CliContext, src: string, ref: string, dest: string): Promise<void> {
  const put = (dir: string, input: ReturnType<typeof packPath>) => ctx.engine.json('PUT', `/containers/${seg(ref)}/archive`, { query: { path: dir }, input });
  if (src === '-') return void (await put(dest, readInput(ctx, undefined)));
  const local = await fsp.lstat(src).catch(() => { throw notFound(`local path ${src} does not exist`); });
  const remote = await statRemote(ctx, ref, dest);
  if (remote && remote.mode & DIR_BIT) return void (await put(dest, packPath(src, src.endsWith('/.') ? '' : path.basename(path.resolve(src)))));
  if (!remote && dest.endsWith('/')) throw notFound(`directory ${dest} does not exist in the container`);
  if (remote && local.isDirectory()) throw invalid(`cannot copy a directory to the file ${dest}`);
  await put(path.posix.dirname(dest), packPath(src, path.posix.basename(dest)));
}

/** HEAD …/archive: the path's stat, or undefined when it does not exist. */
async function statRemote(ctx: CliContext, ref: string, p: string): Promise<{ name: string; mode: number } | undefined> {
  try {
    const res = await ctx.engine.stream('HEAD', `/containers/${seg(ref)}/archive`, { query: { path: p } });
    res.resume();
    return decodeStat(res.headers['x-docker-container-path-stat']);
  } catch (err) {
    if (isKind(err, 'NotFound') && !/no such container/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

function decodeStat(header: string | string[] | undefined): { name: string; mode: number } | undefined {
  if (typeof header !== 'string') return undefined;
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { name: string; mode: number };
}
