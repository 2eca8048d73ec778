/**
 * Paths resolved inside a root, the way Docker's `FollowSymlinkInScope`
 * (moby/sys/symlink) resolves build-context paths: the root is treated as
 * `/`. Each component of the path is looked at in turn; a symlink is
 * replaced by its target — an absolute target restarts at the root, a
 * relative one continues from the link's directory — and `..` never climbs
 * above the root. So a link to `/etc` inside a context means `<root>/etc`,
 * never the host's `/etc`, whatever the chain of links, the trailing slashes
 * or the symlinked parents. Components that do not exist are kept as named.
 *
 * The result is a host path under the root whose every existing component
 * is a real directory or file (no symlink left in it), so opening it cannot
 * leave the root as long as nothing changes the tree meanwhile (build
 * contexts are private, extracted once, and never written while a build
 * reads them).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../../lib/errors.js';

/** How many symlinks one resolution may follow (Docker's limit). */
const MAX_LINKS = 255;

/**
 * The host path of `rel` (relative or absolute, `/`-separated) inside
 * `root`, with every symlink followed within `root`. `Invalid` after too many
 * links (a loop).
 */
export async function resolveInScope(root: string, rel: string): Promise<string> {
  const inside = await insidePath(root, rel);
  return inside === '' ? root : path.join(root, inside);
}

/** Like `resolveInScope`, but the path relative to `root` (`''` for the root itself). */
export async function insidePath(root: string, rel: string): Promise<string> {
  let todo = rel.split('/');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    const target = await linkTarget(host);
    if (target === null) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw invalid(`too many levels of symbolic links in ${rel}`);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/'), ...todo];
  }
  return done.join('/');
}

/** The target of `host` when it is a symlink; null when it is anything else or does not exist. */
async function linkTarget(host: string): Promise<string | null> {
  try {
    const st = await fsp.lstat(host);
    return st.isSymbolicLink() ? await fsp.readlink(host) : null;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}
