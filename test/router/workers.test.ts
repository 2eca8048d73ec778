/**
 * How connections reach a real tspaas-router's workers: the primary listens
 * and hands every connection to the next worker in turn (router/edge/
 * distribute.ts). A burst of connections splits evenly (node's cluster
 * round-robin gave wrk's 64 connections 37/27 to 44/20 over two workers), a
 * dead worker's replacement takes its share, a stopped worker collects a
 * bounded number of connections, a connection made before any
 * worker is up is served once one is, a worker without a route table yet
 * answers 503 (not 404), and a port that cannot be bound
 * stops the router with the reason. Runs on the data path
 * TSPAAS_ROUTER_DATA_PATH names (fast by default).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, freePort, type TestDatabase } from '../helpers/postgres.js';
import { programArgs } from '../helpers/programs.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const WORKERS = 3;
const HOST = 'spread.localhost';

let db: TestDatabase;
let backend: TestBackend;
let router: TestRouter;

test.before(async () => {
  db = await createTestDatabase('tspaas_router_workers');
  backend = await startBackend('spread');
  await putRoute(db, 'spread', { backends: [{ port: backend.port }] });
  router = await startRouter(db.url, { workers: WORKERS });
});

test.after.always(async () => {
  await router?.stop();
  await backend?.close();
  await db?.drop();
});

/** Open `n` keep-alive connections at once, one request on each; resolves with the agent holding them and the statuses. */
async function burst(n: number): Promise<{ agent: http.Agent; statuses: number[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const replies = await Promise.all(Array.from({ length: n }, () => get(router.httpPort, '/', { host: HOST, agent })));
  return { agent, statuses: replies.map((r) => r.status) };
}

/** Open connections per worker, by worker id, once the count of all is `total`. */
async function openPerWorker(total: number): Promise<number[]> {
  for (const deadline = Date.now() + 10_000; ; await sleep(20)) {
    const workers = (await router.stats()).workers;
    const open = workers.map((w) => w.connections.open);
    if (open.reduce((a, b) => a + b, 0) === total || Date.now() > deadline) return open;
  }
}

/** A burst of `perWorker` × WORKERS connections: the statuses, and the connections each worker holds open (closed afterwards). */
async function burstSplit(perWorker: number): Promise<{ statuses: number[]; open: number[] }> {
  const n = perWorker * WORKERS;
  const { agent, statuses } = await burst(n);
  try {
    return { statuses, open: await openPerWorker(n) };
  } finally {
    agent.destroy();
  }
}

test.serial('a burst of connections splits evenly over the workers', async (t) => {
  const { statuses, open } = await burstSplit(16);
  t.deepEqual(statuses, new Array<number>(16 * WORKERS).fill(200));
  t.deepEqual(open, new Array<number>(WORKERS).fill(16));
});

test.serial('a killed worker is replaced and the replacement takes its share of new connections', async (t) => {
  const before = (await router.stats()).workers;
  const victim = before[0].pid;
  process.kill(victim, 'SIGKILL');
  // The primary starts another; it is ready once the admin endpoint lists WORKERS workers again, none of them the victim.
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    const pids = (await router.stats()).workers.map((w) => w.pid);
    if (pids.length === WORKERS && !pids.includes(victim)) break;
    if (Date.now() > deadline) return t.fail(`no replacement for worker ${victim}: ${pids.join(', ')}`);
  }
  await router.waitForGeneration(1);
  const { statuses, open } = await burstSplit(4);
  t.deepEqual(statuses, new Array<number>(4 * WORKERS).fill(200));
  t.deepEqual(open, new Array<number>(WORKERS).fill(4));
});

test.serial('a stopped worker collects at most 65 new connections; the others take its turns; resumed, it serves what it holds', async (t) => {
  const victim = (await router.stats()).workers[1].pid;
  process.kill(victim, 'SIGSTOP');
  let resumed = false;
  t.teardown(() => { if (!resumed) process.kill(victim, 'SIGCONT'); });
  // Its turns come every WORKERS-th connection until 1 sent + 64 waiting for its acknowledgement are its.
  // One connection at a time (each waits for its answer up to 20 ms): the others acknowledge theirs meanwhile,
  // as they do unless a burst outruns them all, when turns go on in rotation.
  const n = 65 * WORKERS + 30;
  const agent = new http.Agent({ keepAlive: false, maxSockets: n });
  const replies: Promise<number>[] = [];
  const errors: string[] = [];
  let served = 0;
  for (let i = 0; i < n; i++) {
    const reply = get(router.httpPort, '/', { host: HOST, agent }).then((r) => r.status);
    reply.then(() => { served++; }, (e: Error) => { errors.push(e.message); });
    replies.push(reply);
    await Promise.race([reply, sleep(20)]);
  }
  for (const deadline = Date.now() + 15_000; served < n - 65 && Date.now() < deadline;) await sleep(50);
  t.log((await router.stats()).workers.map((w) => `${w.pid}: ${w.apps.spread?.requests}`).join(', '), 'victim', victim, errors);
  t.is(served, n - 65, 'served while the worker was stopped');
  process.kill(victim, 'SIGCONT');
  resumed = true;
  t.deepEqual(await Promise.all(replies), new Array<number>(n).fill(200));
  agent.destroy();
});

test('a connection made before any worker is up is served once one is', async (t) => {
  const [httpPort, adminPort] = [await freePort(), await freePort()];
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-router-'));
  const child = spawn(process.execPath, [...programArgs('router/main'), '--database-url', db.url, '--bind', '127.0.0.1',
    '--http-port', String(httpPort), '--https-port', '0', '--admin-port', String(adminPort), '--workers', '1',
    '--state-dir', stateDir, '--log-level', 'warn'], { stdio: 'ignore' });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  });
  // Connect as soon as the port is bound: the worker (a second node process) is still starting then.
  let socket: net.Socket | null = null;
  for (const deadline = Date.now() + 30_000; socket === null; await sleep(5)) {
    if (Date.now() > deadline) return t.fail('the router never bound its port');
    socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(httpPort, '127.0.0.1', () => resolve(s)).once('error', () => resolve(null));
    });
  }
  const connectedAt = Date.now();
  const workersAtConnect = await fetch(`http://127.0.0.1:${adminPort}/stats`).then(async (r) => ((await r.json()) as { workers: unknown[] }).workers.length, () => 0);
  t.log(`connected; ${workersAtConnect} worker(s) up then`);
  let got = '';
  socket.setEncoding('latin1').on('data', (s: string) => { got += s; });
  socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  await new Promise((r) => socket.once('close', r));
  t.regex(got, /^HTTP\/1\.1 (200|503) /, `answered ${Date.now() - connectedAt} ms after connecting`);
});

test('before its first route table a worker answers every host 503 router_starting, never 404 "no such app"', async (t) => {
  // A database that never answers: the primary keeps retrying (router/table/source.ts), so no table arrives.
  const [httpPort, adminPort, noDatabase] = [await freePort(), await freePort(), await freePort()];
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-router-'));
  const child = spawn(process.execPath, [...programArgs('router/main'), '--database-url', `postgres://tspaas@127.0.0.1:${noDatabase}/none`,
    '--bind', '127.0.0.1', '--http-port', String(httpPort), '--https-port', '0', '--admin-port', String(adminPort), '--workers', '1',
    '--state-dir', stateDir, '--log-level', 'error'], { stdio: 'ignore' });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  });
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    if (Date.now() > deadline) return t.fail('no worker came up');
    const stats = await fetch(`http://127.0.0.1:${adminPort}/stats`).then((r) => r.json() as Promise<{ workers: unknown[]; generation: number }>, () => null);
    if (stats !== null && stats.workers.length === 1) {
      t.is(stats.generation, 0, 'no table loaded');
      break;
    }
  }
  for (const host of [HOST, 'anything.localhost']) {
    const json = await get(httpPort, '/', { host, headers: { accept: 'application/json' } });
    t.is(json.status, 503, host);
    t.is((JSON.parse(json.body) as { error: { code: string } }).error.code, 'router_starting');
    const html = await get(httpPort, '/', { host });
    t.is(html.status, 503);
    t.regex(html.body, /has not loaded its routes yet/);
  }
});

test('a port that cannot be bound stops the router with the reason', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as net.AddressInfo).port;
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-router-'));
  t.teardown(async () => {
    taken.close();
    await rm(stateDir, { recursive: true, force: true });
  });
  const child = spawn(process.execPath, [...programArgs('router/main'), '--database-url', db.url, '--bind', '127.0.0.1',
    '--http-port', String(port), '--https-port', '0', '--admin-port', '0', '--workers', '1', '--state-dir', stateDir],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  t.is(code, 1, stderr);
  t.regex(stderr, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
});
