/**
 * A session with one registry: the scheme (HTTPS, or HTTP for insecure
 * registries), the authorization that the `/v2/` challenge asked for, and
 * requests by path that carry it.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4 } from 'node:net';
import { forbidden } from '../../lib/errors.js';
import { parseIp } from '../network/cidr.js';
import { basicHeader, fetchToken, parseChallenge } from './auth.js';
import { replyError, send, type WireRequest } from './http.js';
import type { RegistryAuth, RegistryConfig } from './types.js';

/** A request relative to the registry (`/v2/…`). */
export type SessionRequest = Omit<WireRequest, 'url'> & { path: string };

export class RegistrySession {
  private constructor(readonly registry: string, readonly base: string, private readonly authorization: string | null) {}

  /**
   * Ping `/v2/` and answer its challenge for `scopes` (`repository:x:pull`…):
   * a bearer token from the realm, or Basic credentials checked with a second
   * `GET /v2/`. A registry that asks for nothing gets no credentials.
   * `base` (`scheme://host[:port]`) is where it is reached: by default
   * HTTPS, or HTTP for an insecure registry; a mirror's URL says it itself.
   */
  static async open(registry: string, cfg: RegistryConfig, auth: RegistryAuth | undefined, scopes: string[], base = baseUrl(registry, cfg)): Promise<RegistrySession> {
    if (auth?.registryToken) return new RegistrySession(registry, base, `Bearer ${auth.registryToken}`);
    const ping = await send({ method: 'GET', url: `${base}/v2/` });
    ping.resume();
    if (ping.statusCode !== 401) {
      if ((ping.statusCode ?? 0) >= 300) throw await replyError(ping, `registry ${registry}`);
      return new RegistrySession(registry, base, null);
    }
    const ch = parseChallenge(ping.headers['www-authenticate']);
    let authorization: string;
    if (ch?.scheme === 'bearer') authorization = `Bearer ${await fetchToken(registry, ch, auth, scopes)}`;
    else {
      const basic = basicHeader(auth);
      if (!basic) throw forbidden(`unauthorized: registry ${registry} needs credentials: log in first`);
      authorization = basic;
    }
    const session = new RegistrySession(registry, base, authorization);
    if (ch?.scheme !== 'bearer') await session.check();
    return session;
  }

  /** Send a request with this session's authorization. */
  request(req: SessionRequest): Promise<IncomingMessage> {
    const headers = { ...req.headers, ...(this.authorization ? { Authorization: this.authorization } : {}) };
    return send({ ...req, url: absolute(this.base, req.path), headers });
  }

  /** `GET /v2/` with the credentials: 401 means they are wrong. */
  private async check(): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/' });
    if (res.statusCode === 200) return void res.resume();
    if (res.statusCode === 401) {
      res.resume();
      throw forbidden(`unauthorized: registry ${this.registry} refused the credentials`);
    }
    throw await replyError(res, `registry ${this.registry}`);
  }
}

function baseUrl(registry: string, cfg: RegistryConfig): string {
  return `${isInsecure(registry, cfg.insecureRegistries) ? 'http' : 'https'}://${registry}`;
}

/** Upload locations may be absolute or relative to the registry. */
function absolute(base: string, pathOrUrl: string): string {
  return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${base}${pathOrUrl}`;
}

/** Plain HTTP for loopback and for what the engine config names (host, host:port or IPv4 CIDR). */
export function isInsecure(registry: string, insecure: readonly string[]): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'))) return true;
  return insecure.some((entry) => entry === registry || entry === host || inCidr(host, entry));
}

function inCidr(host: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (bits === undefined || !isIPv4(host) || !isIPv4(net)) return false;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((parseIp(host) & mask) >>> 0) === ((parseIp(net) & mask) >>> 0);
}
