/**
 * The API's unix socket: who may open it and what to do with a stale one.
 * Opening the socket is as good as root on the host, so it is 0600 root, or
 * 0660 root:<group> when a group is configured.
 */
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { conflict, invalid, isErrno } from '../../lib/errors.js';

/** The gid of a group given by name (from /etc/group) or as a number. */
export async function lookupGroupId(group: string, groupFile = '/etc/group'): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await fsp.readFile(groupFile, 'utf8');
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw invalid(`unknown group "${group}" (not in ${groupFile})`);
}

/** Make the socket's directory and remove a socket left by a dead server; refuse to replace a live one or a non-socket. */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  await fsp.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = await fsp.lstat(socketPath);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  if (!st.isSocket()) throw conflict(`${socketPath} exists and is not a socket`);
  if (await isListening(socketPath)) throw conflict(`another server is listening on ${socketPath}`);
  await fsp.rm(socketPath, { force: true });
}

/** Restrict the socket to root (0600) or root and `gid` (0660). */
export async function secureSocket(socketPath: string, gid: number | undefined): Promise<void> {
  if (gid === undefined) {
    await fsp.chmod(socketPath, 0o600);
    return;
  }
  await fsp.chown(socketPath, 0, gid);
  await fsp.chmod(socketPath, 0o660);
}

function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}
