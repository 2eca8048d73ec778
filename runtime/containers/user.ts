/**
 * Resolving a container's `user` option (`name`, `uid`, `name:group`,
 * `uid:gid`…) against the container's own /etc/passwd and /etc/group, as
 * Docker does (runc's `GetExecUser` rules):
 *
 * - the user part is a name looked up in /etc/passwd, or a numeric uid used
 *   as-is (its passwd entry, when there is one, gives the default gid, home
 *   and name; without one the gid is 0 and home is `/`);
 * - the group part, when given, is a group name looked up in /etc/group or a
 *   numeric gid used as-is, and there are no supplementary groups;
 * - without a group part, the supplementary groups are every /etc/group entry
 *   listing the user's name.
 *
 * The files come from an image, so they are untrusted: they are read from
 * inside `rootfs` without ever following a symlink out of it (symlinks are
 * resolved as if `rootfs` were `/`, and the opened file is checked to really
 * lie under `rootfs`), only regular files are read, and only up to 4 MiB.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import path from 'node:path';
import { invalid, isErrno } from '../../lib/errors.js';

/** The numeric identity a container process runs as. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Home directory from /etc/passwd (`/` when unknown); becomes `HOME`. */
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2 ** 31 - 1;
const MAX_FILE = 4 * 1024 * 1024;
const MAX_SYMLINKS = 40;

/** Resolve `spec` ("" = root) to uid/gid/groups using the rootfs's passwd and group files. */
export async function resolveUser(rootfs: string, spec: string | undefined): Promise<ResolvedUser> {
  const [userPart, groupPart] = splitUserSpec(spec ?? '');
  const passwd = parsePasswd(await readFileInRoot(rootfs, '/etc/passwd') ?? '');
  const needGroups = groupPart !== undefined ? !isNumeric(groupPart) : true;
  const groups = needGroups ? parseGroup(await readFileInRoot(rootfs, '/etc/group') ?? '') : [];

  const entry = isNumeric(userPart)
    ? passwd.find((p) => p.uid === Number(userPart))
    : passwd.find((p) => p.name === userPart);
  if (!entry && !isNumeric(userPart)) throw invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
  const uid = entry ? entry.uid : toId(userPart);
  const home = entry?.home || '/';

  if (groupPart !== undefined) return { uid, gid: resolveGroup(groupPart, groups), additionalGids: [], home };
  const gid = entry ? entry.gid : 0;
  const additionalGids = entry
    ? [...new Set(groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid))]
    : [];
  return { uid, gid, additionalGids, home };
}

/** Split "user[:group]"; an empty user means root. */
function splitUserSpec(spec: string): [string, string | undefined] {
  const i = spec.indexOf(':');
  const user = (i < 0 ? spec : spec.slice(0, i)) || '0';
  const group = i < 0 ? undefined : spec.slice(i + 1);
  if (group === '') throw invalid(`invalid user "${spec}": empty group`);
  return [user, group];
}

function resolveGroup(group: string, groups: GroupEntry[]): number {
  if (isNumeric(group)) return toId(group);
  const g = groups.find((e) => e.name === group);
  if (!g) throw invalid(`unable to find group ${group}: no matching entries in group file`);
  return g.gid;
}

function isNumeric(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

function toId(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > MAX_ID) throw invalid(`id ${s} is out of range`);
  return n;
}

/** Parse /etc/passwd lines `name:x:uid:gid:gecos:home:shell`, skipping malformed ones. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || !isNumeric(f[2]) || !isNumeric(f[3])) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] });
  }
  return out;
}

/** Parse /etc/group lines `name:x:gid:member,member`, skipping malformed ones. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || !isNumeric(f[2])) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: f[3].split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

/**
 * Resolve `p` inside `root` the way the kernel would if `root` were `/`:
 * `..` stops at the root, absolute symlink targets restart from the root.
 * Returns a host path under `root` that is not a symlink (or does not exist).
 */
export async function resolveInRoot(root: string, p: string): Promise<string> {
  const rest = p.split('/').filter(Boolean);
  let current: string[] = [];
  let links = 0;
  while (rest.length > 0) {
    const part = rest.shift()!;
    if (part === '.') continue;
    if (part === '..') { current.pop(); continue; }
    const host = path.join(root, ...current, part);
    const st = await lstatOrNull(host);
    if (!st?.isSymbolicLink()) { current.push(part); continue; }
    if (++links > MAX_SYMLINKS) throw invalid(`too many symlinks resolving ${p} in the container`);
    const target = await fsp.readlink(host);
    if (target.startsWith('/')) current = [];
    rest.unshift(...target.split('/').filter(Boolean));
  }
  return path.join(root, ...current);
}

/**
 * Read a small regular file at container path `p` of `rootfs`; `undefined`
 * when it does not exist (or is a symlink, device, FIFO, directory…).
 */
export async function readFileInRoot(rootfs: string, p: string): Promise<string | undefined> {
  const host = await resolveInRoot(rootfs, p);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(host, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ELOOP') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    // Re-check where the open really landed: a directory swapped for a symlink
    // between resolve and open must not lead outside the rootfs.
    const real = await fsp.readlink(`/proc/self/fd/${fh.fd}`);
    const realRoot = await fsp.realpath(rootfs);
    if (!real.startsWith(realRoot.endsWith('/') ? realRoot : realRoot + '/')) return undefined;
    if (st.size > MAX_FILE) throw invalid(`${p} in the container is larger than ${MAX_FILE} bytes`);
    return (await fh.readFile()).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function lstatOrNull(p: string) {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
}
