/**
 * Registry authentication: the `WWW-Authenticate` challenge of `GET /v2/`
 * and what answers it — a bearer token from the realm (Docker's token
 * protocol, with the user's Basic credentials or an OAuth2 refresh token) or
 * Basic credentials on every request.
 */
import { forbidden, unavailable } from '../../lib/errors.js';
import { readAll, replyError, send } from './http.js';
import type { RegistryAuth } from './types.js';

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parse `Bearer realm="…",service="…",scope="…"` (the first challenge we understand). */
export function parseChallenge(header: string | undefined): Challenge | null {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header ?? '');
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return null;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = (p[2] ?? p[3]).replace(/\\(.)/g, '$1');
  return { scheme, params };
}

/** `Basic …` header value of a username and password. */
export function basicHeader(auth: RegistryAuth | undefined): string | null {
  if (!auth?.username || auth.password === undefined) return null;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/**
 * A bearer token for `scopes` from the challenge's realm. With an identity
 * token: OAuth2 `refresh_token` grant (POST); otherwise GET with Basic
 * credentials when there are some, anonymous when not.
 */
export async function fetchToken(registry: string, ch: Challenge, auth: RegistryAuth | undefined, scopes: string[]): Promise<string> {
  const realm = ch.params.realm;
  if (!realm) throw unavailable(`registry ${registry} asked for a bearer token without naming a realm`);
  const url = new URL(realm);
  const service = ch.params.service;
  const allScopes = [...new Set([...scopes, ...(ch.params.scope ? [ch.params.scope] : [])])];
  let res;
  if (auth?.identityToken) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: auth.identityToken, client_id: 'tspaas' });
    if (service) form.set('service', service);
    if (allScopes.length) form.set('scope', allScopes.join(' '));
    res = await send({ method: 'POST', url: url.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
  } else {
    if (service) url.searchParams.set('service', service);
    for (const s of allScopes) url.searchParams.append('scope', s);
    if (auth?.username) url.searchParams.set('account', auth.username);
    const basic = basicHeader(auth);
    res = await send({ method: 'GET', url: url.toString(), headers: basic ? { Authorization: basic } : {} });
  }
  if (res.statusCode === 401 || res.statusCode === 403) {
    res.resume();
    throw forbidden(`unauthorized: the token server of ${registry} refused ${auth?.username ? `the credentials of ${auth.username}` : 'anonymous access'}`);
  }
  if (res.statusCode !== 200) throw await replyError(res, `token server of ${registry}`);
  const body = JSON.parse((await readAll(res, 1024 * 1024)).toString('utf8')) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw unavailable(`the token server of ${registry} sent no token`);
  return token;
}
