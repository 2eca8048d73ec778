/**
 * Platform logins kept on the client: `{ "current": "<url>", "servers":
 * { "<url>": { "token": "…" } } }` in one file of mode 0600 (its directory
 * 0700), replaced atomically — `$TSPAAS_CONFIG_DIR/platform.json` or
 * ~/.config/tspaas/platform.json (chosen in cli/main.ts). `current` is the
 * platform commands talk to; the git credential helper answers for any
 * stored server. URLs are kept normalized (`platformUrl`).
 */
import { promises as fsp } from 'node:fs';
import { invalid, isErrno } from '../lib/errors.js';
import { writePrivateJson } from '../lib/fs.js';

export interface PlatformLogins {
  current: string | null;
  servers: Record<string, { token: string }>;
}

/** True when `arg` names a platform (http:// or https://) rather than a registry host. */
export function isPlatformUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg.trim());
}

/** The canonical form of a platform URL: scheme, host[:port] and path, no trailing slash, no credentials. */
export function platformUrl(arg: string): string {
  let url: URL;
  try {
    url = new URL(arg.trim());
  } catch (err) {
    throw invalid(`"${arg}" is not a URL: give the platform as http://host:port`, err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`"${arg}" is not an http:// or https:// URL`);
  if (url.username || url.password) throw invalid('the platform URL must not hold credentials: use --token');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Read the logins file; a missing file is no logins. */
export async function readLogins(file: string): Promise<PlatformLogins> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<PlatformLogins>;
    return { current: parsed.current ?? null, servers: parsed.servers ?? {} };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { current: null, servers: {} };
    throw invalid(`cannot read the platform logins file ${file}: ${(err as Error).message}`, err);
  }
}

/** Store the token of `url` and make it the current platform. */
export async function storeLogin(file: string, url: string, token: string): Promise<void> {
  const data = await readLogins(file);
  const key = platformUrl(url);
  data.servers[key] = { token };
  data.current = key;
  await writePrivateJson(file, data);
}

/** Forget `url` (default: the current one); returns the URL forgotten, or null when none was stored. */
export async function removeLogin(file: string, url?: string): Promise<string | null> {
  const data = await readLogins(file);
  const key = url ? platformUrl(url) : data.current;
  if (!key || !(key in data.servers)) return null;
  delete data.servers[key];
  if (data.current === key) data.current = Object.keys(data.servers)[0] ?? null;
  await writePrivateJson(file, data);
  return key;
}

/** The stored server whose URL covers `target` (same scheme and host; its path a prefix), longest first. */
export function loginFor(data: PlatformLogins, target: URL): { url: string; token: string } | undefined {
  const matches = Object.entries(data.servers).filter(([url]) => {
    const u = new URL(url);
    return u.protocol === target.protocol && u.host === target.host && target.pathname.startsWith(u.pathname);
  });
  matches.sort(([a], [b]) => b.length - a.length);
  const [url, entry] = matches[0] ?? [];
  return url && entry ? { url, token: entry.token } : undefined;
}
