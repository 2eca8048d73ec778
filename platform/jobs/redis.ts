/**
 * REDIS_URL → ioredis options. TCP URLs (`redis://[user:pass@]host:port/db`)
 * and unix sockets (`unix:///path/redis.sock?db=N`, `redis+unix:///path…`,
 * `redis+socket:///path…`; the embedded default) both work.
 */
import { invalid } from '../../lib/errors.js';

export interface RedisConnection {
  host?: string;
  port?: number;
  path?: string;
  db: number;
  username?: string;
  password?: string;
}

const SOCKET_SCHEMES = new Set(['unix:', 'redis+unix:', 'redis+socket:']);

/** Parse a Redis URL into the options ioredis (and so bull) takes. */
export function parseRedisUrl(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw invalid(`not a Redis URL: ${url}`, err);
  }
  const auth = {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
  if (SOCKET_SCHEMES.has(u.protocol)) {
    const socket = decodeURIComponent(u.pathname);
    if (!socket.startsWith('/')) throw invalid(`Redis socket URL needs an absolute path: ${url}`);
    return { path: socket, db: dbNumber(u.searchParams.get('db') ?? '0', url), ...auth };
  }
  if (u.protocol !== 'redis:') throw invalid(`unsupported Redis URL scheme ${u.protocol} (redis:, unix:, redis+unix:)`);
  const db = u.pathname.replace(/^\//, '') || u.searchParams.get('db') || '0';
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), db: dbNumber(db, url), ...auth };
}

function dbNumber(text: string, url: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw invalid(`bad Redis database number in ${url}`);
  return n;
}
