/**
 * The router benchmark's moving parts: backends, the proxies under test
 * (tspaas-router, nginx, Caddy) configured as equivalent reverse proxies,
 * wrk, and CPU accounting from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../lib/exec.js';

/** A process the bench started; `pids()` lists it and its descendants (for CPU accounting). */
export interface Proc {
  child: ChildProcess;
  pids(): number[];
  stop(): Promise<void>;
}

/** Start `argv` in its own process group. */
export function startProc(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log?: string } = {}): Proc {
  const child = spawn(argv[0], argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-4000); });
  child.once('exit', (code) => { if (code !== 0 && code !== null) process.stderr.write(`bench: ${path.basename(argv[0])} exited ${code}: ${stderr}\n`); });
  return {
    child,
    pids: () => descendants(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
      await Promise.race([exited, sleep(10_000)]);
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}

/** `pid` and all its descendants, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parents) if (pp === out[i]) out.push(p);
  return out;
}

/** CPU seconds (user + system) used so far by `pids`. */
export function cpuSeconds(pids: number[]): number {
  const hz = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited */ }
  }
  return ticks / hz;
}

/** Wait until 127.0.0.1:`port` accepts connections. */
export async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port}`);
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

/** A small node backend (one process): "hello from <port>", keep-alive. */
export function startBackend(port: number): Proc {
  const code = `require('http').createServer((q, s) => { s.setHeader('content-type', 'text/plain'); s.end('hello from ${port}\\n'); })`
    + `.listen(${port}, '127.0.0.1')`;
  return startProc([process.execPath, '-e', code]);
}

/** nginx as an equivalent reverse proxy: keep-alive upstream, X-Forwarded-* and X-Request-Id, access log. */
export async function startNginx(dir: string, port: number, backends: number[], workers: number): Promise<Proc> {
  await fsp.mkdir(path.join(dir, 'nginx'), { recursive: true });
  const conf = path.join(dir, 'nginx', 'nginx.conf');
  await fsp.writeFile(conf, `worker_processes ${workers};
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/nginx/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/nginx/body; proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi; uwsgi_temp_path ${dir}/nginx/uwsgi; scgi_temp_path ${dir}/nginx/scgi;
  keepalive_requests 100000;
  upstream app { ${backends.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 128; keepalive_requests 100000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Id $request_id;
      add_header X-Request-Id $request_id;
    }
  }
}
`);
  const proc = startProc(['nginx', '-c', conf, '-p', path.join(dir, 'nginx'), '-g', 'daemon off;']);
  await waitForPort(port, 'nginx');
  return proc;
}

/** HAProxy the same: HTTP mode, keep-alive both ways with connection reuse, X-Forwarded-For/Proto and a request id. */
export async function startHaproxy(dir: string, port: number, backends: number[], workers: number): Promise<Proc> {
  await fsp.mkdir(path.join(dir, 'haproxy'), { recursive: true });
  const conf = path.join(dir, 'haproxy', 'haproxy.cfg');
  await fsp.writeFile(conf, `global
  nbthread ${workers}
  pidfile ${dir}/haproxy/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 65s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend web
  bind 127.0.0.1:${port}
  option forwardfor
  unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Request-Id %[unique-id]
  http-response set-header X-Request-Id %[unique-id]
  default_backend app
backend app
  balance roundrobin
${backends.map((p, i) => `  server b${i} 127.0.0.1:${p}`).join('\n')}
`);
  const proc = startProc(['haproxy', '-f', conf, '-db']);
  await waitForPort(port, 'haproxy');
  return proc;
}

/** Caddy the same (its reverse_proxy sets X-Forwarded-* and keeps upstream connections alive by default). */
export async function startCaddy(dir: string, port: number, backends: number[], workers: number): Promise<Proc> {
  await fsp.mkdir(path.join(dir, 'caddy'), { recursive: true });
  const conf = path.join(dir, 'caddy', 'Caddyfile');
  await fsp.writeFile(conf, `{
  admin off
  auto_https off
  storage file_system ${dir}/caddy/data
}
http://:${port} {
  bind 127.0.0.1
  log {
    output file ${dir}/caddy/access.log
  }
  reverse_proxy ${backends.map((p) => `127.0.0.1:${p}`).join(' ')} {
    lb_policy round_robin
    header_up X-Request-Id {http.request.uuid}
    header_down X-Request-Id {http.request.uuid}
  }
}
`);
  const env = { ...process.env, GOMAXPROCS: String(workers), HOME: path.join(dir, 'caddy'), XDG_DATA_HOME: path.join(dir, 'caddy', 'data'), XDG_CONFIG_HOME: path.join(dir, 'caddy', 'config') };
  const proc = startProc(['caddy', 'run', '--config', conf, '--adapter', 'caddyfile'], { env });
  await waitForPort(port, 'caddy');
  return proc;
}

/** What wrk measured. */
export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** wrk against 127.0.0.1:`port` with Host `host`. */
export async function runWrk(port: number, host: string, opts: { seconds: number; connections: number; threads: number }): Promise<WrkResult> {
  const { stdout } = await run('wrk', ['-t', String(opts.threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--latency',
    '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`]);
  const num = (re: RegExp) => { const m = re.exec(stdout); return m ? Number(m[1]) : 0; };
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    errors: num(/Non-2xx or 3xx responses: (\d+)/) + (socketErrors ? socketErrors.slice(1).reduce((s, x) => s + Number(x), 0) : 0),
  };
}

/** Install what is missing from Debian, without leaving nginx or Caddy services running. */
export async function ensureTools(notes: string[]): Promise<void> {
  const missing: string[] = [];
  for (const [bin, pkg] of [['wrk', 'wrk'], ['nginx', 'nginx'], ['caddy', 'caddy'], ['haproxy', 'haproxy']]) {
    if ((await run('sh', ['-c', `command -v ${bin}`], { allowFailure: true })).code !== 0) missing.push(pkg);
  }
  if (missing.length === 0) return;
  notes.push(`installed with apt-get: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, allowFailure: true });
  // No service starts during the install (policy-rc.d exit 101): nginx and Caddy would take port 80,
  // and fail the install where a running tspaas-router holds it.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = await fsp.writeFile(policy, '#!/bin/sh\n# tspaas bench/router-peers.ts: no service starts while it installs peers.\nexit 101\n', { flag: 'wx', mode: 0o755 })
    .then(() => true, () => false);
  try {
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  } finally {
    if (ownPolicy) await fsp.rm(policy, { force: true });
  }
  // The packages start their services (nginx and Caddy on port 80) where init allows it: stop and disable them.
  for (const service of missing.filter((p) => p !== 'wrk')) {
    await run('sh', ['-c', `if [ -d /run/systemd/system ]; then systemctl disable --now ${service}; `
      + `elif command -v service >/dev/null; then service ${service} stop; fi`], { allowFailure: true });
  }
  if (missing.includes('nginx')) await run('sh', ['-c', '[ -f /run/nginx.pid ] && nginx -s quit'], { allowFailure: true });
}
