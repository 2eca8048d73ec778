/**
 * Registry credentials kept on the client, like ~/.docker/config.json:
 * `{"auths": {"<host[:port]>": {"auth": base64("user:password")}}}` in one
 * file of mode 0600 (its directory 0700), replaced atomically. The engine
 * never stores them: the CLI sends them with each pull and push in
 * `X-Registry-Auth`.
 */
import { promises as fsp } from 'node:fs';
import { invalid, isErrno } from '../lib/errors.js';
import { writePrivateJson } from '../lib/fs.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths: Record<string, { auth: string }>;
}

/** `host[:port]` of a server as the user may write it (`https://host:5000/v2/`). */
export function serverKey(server: string): string {
  return server.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** The registry host of an image reference, or `docker.io` when it names none. */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

async function readFile(file: string): Promise<AuthFile> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<AuthFile>;
    return { auths: parsed.auths ?? {} };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { auths: {} };
    throw invalid(`cannot read the credentials file ${file}: ${(err as Error).message}`, err);
  }
}

/** Stored credentials for `server`, if any. */
export async function findCredentials(file: string | undefined, server: string): Promise<Credentials | undefined> {
  if (!file) return undefined;
  const entry = (await readFile(file)).auths[serverKey(server)];
  if (!entry?.auth) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon === -1 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Store (replace) the credentials of `server`. */
export async function storeCredentials(file: string, server: string, c: Credentials): Promise<void> {
  const data = await readFile(file);
  data.auths[serverKey(server)] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  await writePrivateJson(file, data);
}

/** Forget `server`; false when nothing was stored for it. */
export async function removeCredentials(file: string, server: string): Promise<boolean> {
  const data = await readFile(file);
  const key = serverKey(server);
  if (!(key in data.auths)) return false;
  delete data.auths[key];
  await writePrivateJson(file, data);
  return true;
}

/** `X-Registry-Auth` for a pull or push of `ref` (stored credentials of its registry), or no header. */
export async function registryAuthHeaders(file: string | undefined, ref: string): Promise<Record<string, string>> {
  const server = registryOf(ref);
  const c = await findCredentials(file, server);
  if (!c) return {};
  const json = JSON.stringify({ username: c.username, password: c.password, serveraddress: server });
  return { 'X-Registry-Auth': Buffer.from(json).toString('base64url') };
}
