/**
 * Registry credentials as Docker clients send them: the `X-Registry-Auth`
 * header of pull and push (base64url of a JSON AuthConfig) and the body of
 * `POST /auth` (the same JSON), and the `X-Registry-Config` header of
 * `POST /build` (base64 JSON of server address → AuthConfig). Field names
 * are Docker's, any case.
 */
import { invalid } from '../../../lib/errors.js';
import { registryHost } from '../../registry/reference.js';
import type { RegistryAuth } from '../../registry/types.js';

/** Docker's AuthConfig, lower-cased keys. */
interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

function lowerKeys(value: unknown): AuthConfig {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? v : undefined])) as AuthConfig;
}

/** The credentials of an AuthConfig object; undefined when it carries none. */
export function authOf(value: unknown): { auth: RegistryAuth | undefined; serverAddress: string } {
  const c = lowerKeys(value);
  const auth: RegistryAuth = {
    ...(c.username ? { username: c.username } : {}),
    ...(c.password !== undefined && c.password !== '' ? { password: c.password } : {}),
    ...(c.identitytoken ? { identityToken: c.identitytoken } : {}),
    ...(c.registrytoken ? { registryToken: c.registrytoken } : {}),
  };
  return { auth: Object.keys(auth).length ? auth : undefined, serverAddress: c.serveraddress ?? '' };
}

/** Decode `X-Registry-Auth` (base64url or base64 JSON); undefined when absent or empty (`e30=` is `{}`). */
export function registryAuthHeader(header: string | string[] | undefined): RegistryAuth | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  try {
    return authOf(JSON.parse(Buffer.from(value, 'base64').toString('utf8'))).auth;
  } catch (err) {
    throw invalid('X-Registry-Auth is not base64-encoded JSON', err);
  }
}

/** Decode `X-Registry-Config` into credentials by registry host (`https://index.docker.io/v1/` → `docker.io`); undefined when absent or empty. */
export function registryConfigHeader(header: string | string[] | undefined): Record<string, RegistryAuth> | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch (err) {
    throw invalid('X-Registry-Config is not base64-encoded JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('X-Registry-Config must be a JSON object of server address → credentials');
  const out: Record<string, RegistryAuth> = {};
  for (const [server, config] of Object.entries(parsed)) {
    const { auth } = authOf(config);
    if (auth) out[registryHost(server)] = auth;
  }
  return Object.keys(out).length ? out : undefined;
}
