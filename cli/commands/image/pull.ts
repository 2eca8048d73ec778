/**
 * `image pull`: an image from its registry (`host[:port]/repo[:tag]`, with the
 * credentials `login` stored), or a base image the engine builds itself
 * (busybox, debian:bookworm); progress per layer.
 */
import type { Command } from 'commander';
import type { App, CliContext } from '../../context.js';
import { registryAuthHeaders } from '../../credentials.js';
import { showProgress } from '../../progress.js';

export function register(parent: Command, app: App): void {
  parent.command('pull').description('Pull an image from a registry, or make a base image (busybox, debian:bookworm)')
    .argument('<image>', 'host[:port]/name[:tag|@digest], or a base image name')
    .action(app.action(async (ctx, ref: string) => {
      await pullImage(ctx, ref);
      ctx.say(normalizeRef(ref));
    }));
}

/** POST /images/create?fromImage= and show its progress stream on stderr. */
export async function pullImage(ctx: CliContext, ref: string): Promise<void> {
  const { name, tag } = splitRef(ref);
  const headers = await registryAuthHeaders(ctx.config.authFile, ref);
  await showProgress(ctx, ctx.engine.lines('POST', '/images/create', { query: { fromImage: name, tag }, headers }));
}

/** "busybox" → {busybox, latest}; "reg:5000/a/b:1" → {reg:5000/a/b, 1}; digests stay with the name. */
export function splitRef(ref: string): { name: string; tag: string | undefined } {
  if (ref.includes('@')) return { name: ref, tag: undefined };
  const i = ref.lastIndexOf(':');
  if (i > ref.lastIndexOf('/')) return { name: ref.slice(0, i), tag: ref.slice(i + 1) };
  return { name: ref, tag: 'latest' };
}

/** The reference with its tag spelled out. */
export function normalizeRef(ref: string): string {
  const { name, tag } = splitRef(ref);
  return tag ? `${name}:${tag}` : name;
}
