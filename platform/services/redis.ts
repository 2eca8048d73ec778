/**
 * The embedded Redis: one redis-server under `<dataDir>/redis`, run as the
 * `redis` OS user, on a unix socket only (`port 0`), with the append-only
 * file on so queued jobs survive a restart. See types.ts for the lifecycle.
 *
 *   <dataDir>/redis/redis.sock   the socket (0700)
 *   <dataDir>/redis/redis.pid    pid file
 *   <dataDir>/redis/redis.log    the server's log
 *   <dataDir>/redis/appendonlydir, dump.rdb
 */
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary } from '../../lib/binaries.js';
import { invalid, unavailable } from '../../lib/errors.js';
import { livePid } from '../../lib/process.js';
import { asUser, openPath, ownedDir, runDetached, tail, waitForExit } from './process.js';
import type { EmbeddedService } from './types.js';

const USER = 'redis';

/** Where the embedded Redis lives under the platform's data dir. */
export function redisPaths(dataDir: string) {
  const dir = path.join(dataDir, 'redis');
  return { dir, socket: path.join(dir, 'redis.sock'), pidFile: path.join(dir, 'redis.pid'), log: path.join(dir, 'redis.log'), startLog: path.join(dir, 'start.log') };
}

/** Start redis-server, or adopt the one already serving the socket. */
export async function startEmbeddedRedis(dataDir: string, root: string): Promise<EmbeddedService> {
  const bin = await findBinary('redis-server');
  if (!bin) throw unavailable("redis-server not found: install Debian's redis-server package (apt-get install redis-server), or set REDIS_URL");
  const p = redisPaths(dataDir);
  if (p.socket.length > 107) throw invalid(`the embedded Redis socket ${p.socket} is too long for a unix socket: use a shorter --root`);
  await ownedDir(p.dir, USER, 0o700);
  await openPath(root, p.dir, USER);
  let pid = await livePid(p.pidFile);
  const adopted = pid !== undefined;
  if (!adopted) {
    const [cmd, args] = asUser(USER, bin, ['--port', '0', '--unixsocket', p.socket, '--unixsocketperm', '700', '--dir', p.dir,
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'yes', '--pidfile', p.pidFile, '--logfile', p.log]);
    await runDetached(cmd, args, p.startLog);
  }
  await waitForPong(p.socket, 60_000).catch(async (err: unknown) => {
    throw unavailable(`the embedded Redis does not answer on ${p.socket}: ${(err as Error).message}\n${await tail(p.log)}`, err);
  });
  pid = await livePid(p.pidFile);
  if (pid === undefined) throw unavailable(`the embedded Redis wrote no pid file (${p.pidFile})`);
  const server = pid;
  return {
    name: 'redis', url: `unix://${p.socket}`, pid: server, adopted,
    async stop() {
      await command(p.socket, 'SHUTDOWN').catch(() => undefined); // the server closes the connection as it exits
      if (!(await waitForExit(server, 30_000))) throw unavailable(`the embedded Redis (pid ${server}) did not stop`);
    },
  };
}

/** Wait until the socket answers PING with PONG (not LOADING, not refused). */
async function waitForPong(socket: string, timeoutMs: number): Promise<void> {
  let last = '';
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    last = await command(socket, 'PING').catch((err: Error) => err.message);
    if (last.startsWith('+PONG')) return;
  }
  throw new Error(`no PONG within ${timeoutMs / 1000}s (last: ${last.trim()})`);
}

/** Send one inline command and resolve with the first reply line (empty when the server just closed). */
export function command(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    let reply = '';
    conn.setTimeout(5000, () => conn.destroy(new Error('timed out')));
    conn.on('connect', () => conn.write(`${line}\r\n`));
    conn.on('data', (b) => {
      reply += b.toString();
      if (reply.includes('\r\n')) { conn.end(); resolve(reply); }
    });
    conn.on('error', reject);
    conn.on('close', () => resolve(reply));
  });
}
