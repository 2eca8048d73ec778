/**
 * Network fixtures for tests: servers in containers, an "outside" host made
 * of a network namespace and a veth pair (never a real outside address),
 * small HTTP helpers on the host.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/exec.js';
import type { Engine } from '../../runtime/types.js';
import type { Container, CreateOptions } from '../../runtime/containers/types.js';

/** Start a detached busybox container running `cmd`; resolves once it runs (and listens on every port `cmd` names after -p). */
export async function startServer(engine: Engine, opts: Omit<Partial<CreateOptions>, 'cmd'> & { cmd: string }): Promise<Container> {
  const { cmd, ...rest } = opts;
  const c = await engine.createContainer({ image: 'busybox', ...rest, cmd: ['sh', '-c', cmd] });
  await engine.startContainer(c.record.id);
  const ports = [...cmd.matchAll(/-p (\d+)/g)].map((m) => m[1]);
  for (const port of ports) await waitListening(engine, c.record.id, port);
  return engine.getContainer(c.record.id);
}

/** Poll `netstat` inside the container until something listens on `port`. */
async function waitListening(engine: Engine, id: string, port: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const x = await engine.createExec(id, { cmd: ['sh', '-c', `netstat -ltnu | grep -q ":${port} "`], attachStdout: true });
    const att = (await engine.startExec(x, {}))!;
    await new Promise<void>((r) => att.onEnd(r));
    if ((await engine.inspectExec(x)).exitCode === 0) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port} in ${id}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GET a URL; the body (rejects after `timeoutMs`). */
export function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** An HTTP server on the host answering `body`. */
export async function listenOn(host: string, port: number, body: string): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => srv.listen(port, host, r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) };
}

export interface Outside {
  /** The outside host's address. */
  address: string;
  /** The host's address on the link to it (what masquerading rewrites sources to). */
  hostAddress: string;
  /** The namespace's name (for `ip -n`). */
  ns: string;
  /** Accept one TCP connection on `port` (of `host`, default `address`) inside the outside namespace: its data and peer address (rejects after `timeoutMs`). */
  listen(port: number, timeoutMs?: number, host?: string): Promise<{ data: string; from: string }>;
  /** Serve the files under `dir` over HTTP (or HTTPS with `tls` key and cert files) on `port` inside the namespace, until `close`. */
  serve(port: number, dir: string, tls?: { key: string; cert: string }): Promise<{ close(): void }>;
  remove(): Promise<void>;
}

/** The next /30 of the last /24 of a pool for an outside host: one after another within a test file, so two never share addresses. */
let nextQuad = randomBytes(1)[0] % 63;

/**
 * An "outside" host: a network namespace linked to the host by a veth pair
 * on a /30 of the last /24 of the test's pool, routed like any other network
 * the host reaches.
 */
export async function createOutside(pool: string): Promise<Outside> {
  const [a, b, c] = pool.split('.').map(Number);
  const prefix = Number(pool.split('/')[1]);
  const lastThird = c + 2 ** (24 - prefix) - 1;
  const quad = nextQuad;
  nextQuad = (nextQuad + 1) % 63;
  const hostAddress = `${a}.${b}.${lastThird}.${quad * 4 + 1}`;
  const address = `${a}.${b}.${lastThird}.${quad * 4 + 2}`;
  const tag = randomBytes(3).toString('hex');
  const ns = `tsp-out-${tag}`;
  const hostIf = `tspo-${tag}`;
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
  await run('ip', ['link', 'set', hostIf, 'up']);
  await run('ip', ['-n', ns, 'addr', 'add', `${address}/30`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostAddress]);
  return {
    address, hostAddress, ns,
    listen: (port, timeoutMs = 10000, host = address) => acceptOnce(ns, host, port, timeoutMs),
    serve: (port, dir, tls) => serveFiles(ns, address, port, dir, tls),
    remove: async () => {
      await run('ip', ['link', 'del', hostIf], { allowFailure: true });
      await run('ip', ['netns', 'del', ns], { allowFailure: true });
    },
  };
}

const ACCEPT_ONCE = `
const net = require('net');
const [host, port] = process.argv.slice(1);
const srv = net.createServer((s) => {
  let data = '';
  s.on('data', (d) => { data += d; });
  s.on('end', () => { process.stdout.write(JSON.stringify({ data, from: s.remoteAddress })); s.end(); srv.close(); });
});
srv.listen(Number(port), host, () => process.stderr.write('ready\\n'));
`;

/** A one-connection server inside namespace `ns`. */
async function acceptOnce(ns: string, host: string, port: number, timeoutMs: number): Promise<{ data: string; from: string }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', ACCEPT_ONCE, host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.stderr.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the outside server exited with ${code}`)));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error('nothing arrived')); }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      if (out) resolve(JSON.parse(out) as { data: string; from: string });
      else reject(new Error('nothing arrived'));
    });
  });
}

const SERVE_FILES = `
const fs = require('fs'), path = require('path');
const [host, port, dir, key, cert] = process.argv.slice(1);
const handler = (req, res) => {
  const file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile() || !file.startsWith(dir + '/')) return res.writeHead(404).end();
    res.writeHead(200, { 'Last-Modified': st.mtime.toUTCString(), 'Content-Length': st.size });
    fs.createReadStream(file).pipe(res);
  });
};
const srv = key ? require('https').createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handler) : require('http').createServer(handler);
srv.listen(Number(port), host, () => process.stderr.write('ready\\n'));
`;

/** A static file server inside namespace `ns` (a child process killed by `close`). */
async function serveFiles(ns: string, host: string, port: number, dir: string, tls?: { key: string; cert: string }): Promise<{ close(): void }> {
  const args = ['netns', 'exec', ns, process.execPath, '-e', SERVE_FILES, host, String(port), dir, ...(tls ? [tls.key, tls.cert] : [])];
  const child = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stderr.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the outside file server exited with ${code}`)));
  });
  return { close: () => child.kill() };
}
