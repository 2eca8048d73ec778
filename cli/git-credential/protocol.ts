/**
 * git's credential protocol for the platform: what `tspaas git:credential`
 * and the light helper (main.ts here) share. git writes
 * `key=value` lines (ended by a blank line or EOF); `get` answers
 * `username=tspaas` and `password=<token>` for a platform we are logged in
 * to; `store` and `erase` change nothing — tokens come and go with
 * `tspaas login` / `logout`.
 */
import { loginFor, platformUrl, readLogins } from '../platform-credentials.js';

/** Where tokens come from: the environment's (TSPAAS_URL + TSPAAS_TOKEN), else the logins file. */
export interface TokenSources {
  platformFile?: string;
  platformUrl?: string;
  platformToken?: string;
}

/** git's `key=value` lines up to a blank line or EOF. */
export async function readCredentialFields(stdin: AsyncIterable<unknown>): Promise<Record<string, string>> {
  let text = '';
  for await (const c of stdin) {
    text += Buffer.from(c as Buffer).toString('utf8');
    if (/(^|\n)\r?\n/.test(text)) break;
  }
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line) break;
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

/** The token for the URL git asks about: the environment's, the named platform login, else a stored login covering that URL. */
export async function tokenFor(src: TokenSources, fields: Record<string, string>, platform?: string): Promise<string | undefined> {
  if (!fields.protocol || !fields.host) return undefined;
  const asked = new URL(`${fields.protocol}://${fields.host}/${fields.path ?? ''}`);
  if (src.platformToken && src.platformUrl && new URL(platformUrl(src.platformUrl)).host === asked.host) return src.platformToken;
  if (!src.platformFile) return undefined;
  const logins = await readLogins(src.platformFile);
  if (platform) {
    const named = logins.servers[platformUrl(platform)];
    if (named) return named.token;
  }
  return loginFor(logins, asked)?.token;
}

/** The answer to `get` with `token`. */
export function credentialAnswer(token: string): string {
  return `username=tspaas\npassword=${token}\n`;
}
