/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8)
 * on 127.0.0.1 with a free port and its own storage dir, optionally behind
 * htpasswd Basic auth or Bearer token auth. For token auth a small token
 * server (the stand-in for an auth server such as Harbor's or GitLab's)
 * issues RS256 JWTs signed with a throwaway key whose self-signed certificate
 * is the registry's `rootcertbundle`.
 */
import { spawn, execFile } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { buffer } from 'node:stream/consumers';
import { request } from '../runtime/api/client.js';
import { contextTar } from '../runtime/build/helpers.js';
import { freePort } from './postgres.js';

const execFileP = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:<port>` (or `<outside address>:<port>`) */
  host: string;
  /** Storage root (`docker/registry/v2/…` inside). */
  storage: string;
  /** Everything the registry logged (access log lines included). */
  log(): Promise<string>;
  /** Token requests the token server answered (scopes asked), for token auth. */
  tokenRequests: string[][];
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** htpasswd Basic auth with one user. */
  basic?: { username: string; password: string };
  /** Bearer token auth with one user (the token server checks its Basic credentials). */
  token?: { username: string; password: string };
  /** Issue 14 part R: listen on `address` inside network namespace `ns` (an "outside" host, test/helpers/netns.ts) instead of 127.0.0.1. */
  outside?: { ns: string; address: string };
}

/** Start docker-registry and wait until `/v2/` answers. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-registry-'));
  const port = await freePort();
  const address = opts.outside?.address ?? '127.0.0.1';
  const tokenRequests: string[][] = [];
  let tokenServer: http.Server | null = null;
  let auth = '';
  if (opts.basic) {
    await execFileP('htpasswd', ['-Bbc', path.join(dir, 'htpasswd'), opts.basic.username, opts.basic.password]);
    auth = `auth:\n  htpasswd:\n    realm: tspaas-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  if (opts.token) {
    const started = await startTokenServer(dir, opts.token, tokenRequests);
    tokenServer = started.server;
    auth = `auth:\n  token:\n    realm: http://127.0.0.1:${started.port}/token\n    service: tspaas-test-registry\n`
      + `    issuer: tspaas-test-issuer\n    rootcertbundle: ${started.certFile}\n`;
  }
  const config = `version: 0.1\nlog:\n  level: info\n  formatter: text\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'storage')}\n`
    + `  delete:\n    enabled: true\nhttp:\n  addr: ${address}:${port}\n  secret: ${randomBytes(8).toString('hex')}\n${auth}`;
  await writeFile(path.join(dir, 'config.yml'), config);
  const logFile = path.join(dir, 'registry.log');
  const out = createWriteStream(logFile);
  const argv = ['docker-registry', 'serve', path.join(dir, 'config.yml')];
  const [cmd, ...args] = opts.outside ? ['ip', 'netns', 'exec', opts.outside.ns, ...argv] : argv;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitUp(address, port, child);
  return {
    host: `${address}:${port}`,
    storage: path.join(dir, 'storage'),
    log: () => readFile(logFile, 'utf8'),
    tokenRequests,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000, undefined, { ref: false })]);
      tokenServer?.closeAllConnections();
      await new Promise((r) => (tokenServer ? tokenServer.close(r) : r(undefined)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitUp(address: string, port: number, child: ReturnType<typeof spawn>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get({ host: address, port, path: '/v2/' }, (res) => { res.resume(); resolve(true); }).on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error('docker-registry did not start');
}

/** The token server: `GET /token?service=&scope=…` with Basic credentials → `{token}` granting what was asked. */
async function startTokenServer(dir: string, user: { username: string; password: string }, requests: string[][]): Promise<{ server: http.Server; port: number; certFile: string }> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=tspaas-test-token']);
  const key = await readFile(keyFile, 'utf8');
  const certDer = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    requests.push(scopes);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    const token = signJwt(key, certDer, user.username, url.searchParams.get('service') ?? '', scopes);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port, certFile };
}

/** An RS256 JWT in the registry's token format, the signing certificate in `x5c`. */
function signJwt(key: string, certDer: string, subject: string, service: string, scopes: string[]): string {
  const now = Math.floor(Date.now() / 1000);
  const access = scopes.map((s) => {
    const [type, ...rest] = s.split(':');
    const actions = rest.pop() ?? '';
    return { type, name: rest.join(':'), actions: actions.split(',') };
  });
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = b64({ alg: 'RS256', typ: 'JWT', x5c: [certDer] });
  const claims = b64({ iss: 'tspaas-test-issuer', sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

/** Build `dockerfile` as `ref` on the engine at `socket`, push it (with `auth`) and remove it there, so builds must pull it. */
export async function publishImage(socket: string, ref: string, dockerfile: string, auth?: { username: string; password: string }): Promise<void> {
  const built = await request(socket, 'POST', `/build?t=${encodeURIComponent(ref)}`, await buffer(contextTar({ Dockerfile: dockerfile })), { 'Content-Type': 'application/x-tar' });
  if (!/Successfully built/.test(built.body.toString())) throw new Error(`build of ${ref}: ${built.body.toString()}`);
  const [name, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
  const header = Buffer.from(JSON.stringify(auth ?? {})).toString('base64');
  const pushed = await request(socket, 'POST', `/images/${encodeURIComponent(name)}/push?tag=${tag}`, undefined, { 'X-Registry-Auth': header });
  if (!/"Digest"/.test(pushed.body.toString())) throw new Error(`push of ${ref}: ${pushed.body.toString()}`);
  const removed = await request(socket, 'DELETE', `/images/${encodeURIComponent(ref)}`);
  if (removed.status !== 200) throw new Error(`rmi ${ref}: ${removed.body.toString()}`);
}
