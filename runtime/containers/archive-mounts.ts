/**
 * Which filesystem a `docker cp` path lands in: a container path under one
 * of its volume or bind mounts is that mount's host directory (as dockerd,
 * which mounts a container's volumes before copying), also while the
 * container is stopped or not started yet; anything else is the container's
 * root. tmpfs mounts exist only inside a running container and are not
 * reached this way.
 */
import path from 'node:path';
import type { ContainerContext } from './context.js';
import type { Container } from './types.js';

/** The mount a container path is under: its host directory, the path inside it, and whether it is read-only. */
export interface MountedPath {
  root: string;
  /** Absolute path inside the mount ("/" for the mount point itself). */
  inner: string;
  readOnly: boolean;
}

/** The volume or bind mount holding `p` (the deepest one), or null for the container's own root. */
export async function mountedPath(ctx: ContainerContext, c: Container, p: string): Promise<MountedPath | null> {
  const norm = path.posix.normalize(`/${p}`);
  const under = (target: string) => norm === target || norm.startsWith(target === '/' ? '/' : `${target}/`);
  const candidates = (c.record.options.mounts ?? [])
    .filter((m) => m.type !== 'tmpfs')
    .map((m) => ({ m, target: path.posix.normalize(m.target).replace(/(.)\/$/, '$1') }))
    .filter(({ target }) => target !== '/' && under(target))
    .sort((a, b) => b.target.length - a.target.length);
  const hit = candidates[0];
  if (!hit) return null;
  // A named or anonymous volume is made on first use, as at start (dockerd makes them at create).
  const root = hit.m.type === 'volume' ? (await ctx.volumes.create(hit.m.source || undefined)).mountpoint : hit.m.source;
  const inner = norm.slice(hit.target.length) || '/';
  return { root, inner: p.endsWith('/') && inner !== '/' ? `${inner}/` : inner, readOnly: hit.m.readOnly };
}
