/**
 * Startup checks of new processes before they get traffic. `web`: the
 * app.json `healthchecks.web` entries (HTTP GET of a path on IP:PORT, 2xx or
 * 3xx, optional body text; their own attempts and waits) or, without any, a
 * TCP connect to IP:PORT, tried for as long as the tuning's attempts ×
 * interval but quickly at first (25 ms, doubling up to the interval): most
 * processes listen within milliseconds, and a fixed interval made every
 * start wait for it (half of a `scale web=1→20`). Other
 * types: still running after `settleMs`. A check that fails throws `Invalid`
 * with the reason (the app's fault: the deploy fails, no retry).
 */
import http from 'node:http';
import net from 'node:net';
import { invalid } from '../../lib/errors.js';
import type { DeployTuning, HealthCheck, ProcessInfo, Release } from '../types.js';

/** Whether the process's container still runs (a dead one fails its check at once). */
export type AliveProbe = () => Promise<boolean>;

/** Check one new process of `release`; resolves when it passed, throws Invalid when not. */
export async function checkProcess(p: ProcessInfo, release: Release, tuning: DeployTuning, alive: AliveProbe): Promise<string> {
  if (p.type !== 'web') {
    await sleep(tuning.settleMs);
    if (!(await alive())) throw invalid(`${p.name} exited within ${tuning.settleMs} ms of its start`);
    return `${p.name} up`;
  }
  if (!p.address) throw invalid(`${p.name} has no address`);
  const checks = release.appJson?.healthchecks?.web ?? [];
  const target = { address: p.address, port: p.port ?? tuning.port, hint: portHint(p.port ?? tuning.port, p.portFrom) };
  if (checks.length === 0) {
    await attempt(p.name, `TCP connect to port ${target.port}`, rampingWaits(tuning.checkAttempts, tuning.checkIntervalMs), alive,
      () => tcpConnect(target.address, target.port, tuning.checkTimeoutMs), target.hint);
  }
  for (const c of checks) await runCheck(p.name, c, target, tuning, alive);
  return `${p.name} healthy at ${target.address}:${target.port}`;
}

/** Issue 14 part P: the port a failed check tried, where it came from and how to change it. */
export function portHint(port: number, from = 'the platform default'): string {
  const dockerfile = from.includes('EXPOSE') ? ', or EXPOSE only the port it listens on in the Dockerfile' : '';
  return `The app must listen on PORT=${port} (${from}); set another with \`tspaas config:set PORT=<port>\`${dockerfile}.`;
}

/** One app.json check with its own attempts, waits and timeout (seconds), defaults from tuning. */
async function runCheck(name: string, c: HealthCheck, t: { address: string; port: number; hint: string }, tuning: DeployTuning, alive: AliveProbe): Promise<void> {
  await sleep((c.initialDelay ?? 0) * 1000);
  const timeoutMs = c.timeout ? c.timeout * 1000 : tuning.checkTimeoutMs;
  const what = c.path ? `GET ${c.path}` : 'TCP connect';
  const probe = c.path
    ? () => httpCheck(`http://${t.address}:${t.port}${c.path!.startsWith('/') ? '' : '/'}${c.path}`, c.content, timeoutMs)
    : () => tcpConnect(t.address, t.port, timeoutMs);
  const attempts = Math.max(1, c.attempts ?? tuning.checkAttempts);
  const waitMs = c.wait !== undefined ? c.wait * 1000 : tuning.checkIntervalMs;
  await attempt(name, c.name ? `${c.name} (${what})` : what, new Array<number>(attempts - 1).fill(waitMs), alive, probe, t.hint);
}

/** First wait of the default check. */
const RAMP_START_MS = 25;

/** Waits between the default check's attempts: from {@link RAMP_START_MS}, doubling up to `intervalMs`, adding up to (attempts − 1) × interval. */
export function rampingWaits(attempts: number, intervalMs: number): number[] {
  const waits: number[] = [];
  const budget = (Math.max(1, attempts) - 1) * intervalMs;
  for (let total = 0, next = Math.min(RAMP_START_MS, intervalMs); total < budget; next = Math.min(next * 2, intervalMs)) {
    const w = Math.min(next, budget - total);
    waits.push(w);
    total += w;
  }
  return waits;
}

/** Try `probe`, then again after each of `waits`; a dead process or the last failure (with `hint`) throws Invalid. */
async function attempt(name: string, what: string, waits: number[], alive: AliveProbe, probe: () => Promise<void>, hint = ''): Promise<void> {
  let last: string;
  for (let i = 0; ; i++) {
    try {
      return await probe();
    } catch (err) {
      last = (err as Error).message;
    }
    if (!(await alive())) throw invalid(`${name} exited during its health check (${what}: ${last})`);
    if (i === waits.length) break;
    await sleep(waits[i]!);
  }
  throw invalid(`${name} failed its health check after ${waits.length + 1} attempts (${what}: ${last})${hint ? `\n${hint}` : ''}`);
}

/** Resolves once a TCP connection to address:port opens. */
export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address, port, timeout: timeoutMs });
    s.once('connect', () => { s.destroy(); resolve(); });
    s.once('timeout', () => { s.destroy(); reject(new Error(`no connection within ${timeoutMs} ms`)); });
    s.once('error', (err) => reject(err));
  });
}

/** Resolves when GET `url` answers 2xx/3xx (and its body holds `content`, when given). */
export function httpCheck(url: string, content: string | undefined, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 400) return reject(new Error(`status ${status}`));
        if (content !== undefined && !Buffer.concat(chunks).toString().includes(content)) return reject(new Error(`body lacks "${content}"`));
        resolve();
      });
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
