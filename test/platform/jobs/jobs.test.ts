/**
 * The bull queues against the suite's real Redis (REDIS_URL): retries with
 * backoff, final failures, stable ids, reconcile coalescing, status counts,
 * a unix-socket Redis, and a job whose worker is killed -9 being taken over.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { invalid, unavailable } from '../../../lib/errors.js';
import { createJobs, type JobProcessors, type JobTuning } from '../../../platform/jobs/index.js';
import { parseRedisUrl } from '../../../platform/jobs/redis.js';
import type { Jobs } from '../../../platform/types.js';

const log = pino({ level: 'silent' });
const redisUrl = () => {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: source scripts/services.sh first');
  return process.env.REDIS_URL;
};
const open: Jobs[] = [];
test.after.always(async () => { await Promise.all(open.map((j) => j.close())); });

const idle: JobProcessors = { build: async () => undefined, deploy: async () => undefined, reconcile: async () => undefined, erase: async () => undefined };

async function jobsWith(processors: Partial<JobProcessors>, tuning: Partial<Omit<JobTuning, 'concurrency'>> & { concurrency?: Partial<JobTuning['concurrency']> } = {}, url = redisUrl()): Promise<Jobs> {
  const jobs = await createJobs({
    redisUrl: url, prefix: `tjobs-${randomBytes(4).toString('hex')}`, log,
    processors: { ...idle, ...processors }, tuning: { backoffMs: 200, lockDurationMs: 2000, stalledIntervalMs: 1000, ...tuning },
  });
  open.push(jobs);
  return jobs;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('parseRedisUrl: TCP, database, auth and unix sockets', (t) => {
  t.deepEqual(parseRedisUrl('redis://127.0.0.1:63799/2'), { host: '127.0.0.1', port: 63799, db: 2 });
  t.deepEqual(parseRedisUrl('redis://:s%40cret@h/0'), { host: 'h', port: 6379, db: 0, password: 's@cret' });
  t.deepEqual(parseRedisUrl('unix:///var/run/redis.sock?db=3'), { path: '/var/run/redis.sock', db: 3 });
  t.deepEqual(parseRedisUrl('redis+unix:///d/redis.sock'), { path: '/d/redis.sock', db: 0 });
  t.throws(() => parseRedisUrl('http://x'), { message: /unsupported/ });
  t.throws(() => parseRedisUrl('redis://h/x'), { message: /database number/ });
});

test('a failing job is retried with exponential backoff until it succeeds', async (t) => {
  const calls: number[] = [];
  const jobs = await jobsWith({
    build: async () => {
      calls.push(Date.now());
      if (calls.length < 3) throw unavailable('engine busy');
    },
  });
  await jobs.enqueueBuild('b1');
  await until('third attempt', () => calls.length === 3);
  // Backoff 200 ms, then 400 ms (bull's exponential: delay·2^(n-1)).
  t.true(calls[1] - calls[0] >= 190, `first retry after ${calls[1] - calls[0]} ms`);
  t.true(calls[2] - calls[1] >= 390, `second retry after ${calls[2] - calls[1]} ms`);
  await until('completed', async () => (await jobs.status()).build.completed === 1);
  t.is((await jobs.status()).build.failed, 0);
});

test('a failure a retry cannot fix (Invalid) is final; the deploy processor knows its last attempt', async (t) => {
  let builds = 0;
  const attempts: boolean[] = [];
  const jobs = await jobsWith({
    build: async () => { builds++; throw invalid('no Dockerfile and no buildpack matched'); },
    deploy: async (_id, a) => { attempts.push(a.lastAttempt); throw new Error('engine socket gone'); },
  }, { attempts: 2 });
  await jobs.enqueueBuild('b2');
  await jobs.enqueueDeploy('r2');
  await until('both failed', async () => { const s = await jobs.status(); return s.build.failed === 1 && s.deploy.failed === 1; });
  await new Promise((r) => setTimeout(r, 500));
  t.is(builds, 1);
  t.deepEqual(attempts, [false, true]);
});

test('the same deploy is queued once however often it is enqueued', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const seen: string[] = [];
  const jobs = await jobsWith({ deploy: async (id) => { seen.push(id); await gate; } });
  await jobs.enqueueDeploy('r1');
  await jobs.enqueueDeploy('r1');
  await until('started', () => seen.length === 1);
  await jobs.enqueueDeploy('r1');
  await jobs.enqueueDeploy('r2');
  await until('r2 started', () => seen.length === 2);
  release();
  await until('done', async () => (await jobs.status()).deploy.completed === 2);
  t.deepEqual(seen.sort(), ['r1', 'r2']);
});

test('reconcile requests for an app coalesce while one waits, widening its types', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const calls: Array<[string, string[] | undefined]> = [];
  const jobs = await jobsWith({ reconcile: async (app, types) => { calls.push([app, types]); if (calls.length === 1) await gate; } },
    { concurrency: { build: 1, deploy: 1, reconcile: 1 } });
  await jobs.enqueueReconcile('A', ['web']);
  await until('first running', () => calls.length === 1);
  // The first is active: these three make one waiting job.
  await jobs.enqueueReconcile('A', ['worker']);
  await jobs.enqueueReconcile('A', ['clock', 'worker']);
  await jobs.enqueueReconcile('B');
  await jobs.enqueueReconcile('A', []);
  const waiting = (await jobs.status()).reconcile.waiting;
  release();
  await until('all ran', () => calls.length === 3);
  await new Promise((r) => setTimeout(r, 300));
  t.is(waiting, 2);
  t.is(calls.length, 3);
  t.deepEqual(calls.sort(), [['A', ['clock', 'worker']], ['A', ['web']], ['B', undefined]].sort());
});

test('a deploy whose worker is killed -9 is taken over by the next worker within seconds', async (t) => {
  const prefix = `tjobs-${randomBytes(4).toString('hex')}`;
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hang-worker.ts');
  const child = spawn(process.execPath, ['--import=tsx', fixture], { env: { ...process.env, JOBS_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  const out = lines(child);
  await until('child ready', () => out.includes('ready'), 60_000);
  const taken: number[] = [];
  await enqueueOnly(prefix, 'r-killed');
  await until('child took it', () => out.includes('started r-killed'));
  child.kill('SIGKILL');
  const killedAt = Date.now();
  const successor = await createJobs({ redisUrl: redisUrl(), prefix, log, processors: { ...idle, deploy: async () => { taken.push(Date.now()); } }, tuning: { lockDurationMs: 2000, stalledIntervalMs: 1000 } });
  open.push(successor);
  await until('taken over', () => taken.length === 1, 20_000);
  t.true(taken[0] - killedAt < 10_000, `taken over after ${taken[0] - killedAt} ms`);
  await until('completed', async () => (await successor.status()).deploy.completed === 1);
});

test('a deploy job that stalls more often than allowed is reported abandoned (the release can be marked failed)', async (t) => {
  const prefix = `tjobs-${randomBytes(4).toString('hex')}`;
  const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hang-worker.ts');
  const child = spawn(process.execPath, ['--import=tsx', fixture], { env: { ...process.env, JOBS_PREFIX: prefix, JOBS_MAX_STALLED: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  const out = lines(child);
  await until('child ready', () => out.includes('ready'), 60_000);
  await enqueueOnly(prefix, 'r-lost');
  await until('child took it', () => out.includes('started r-lost'));
  child.kill('SIGKILL');
  const abandoned: Array<[string, string]> = [];
  const ran: string[] = [];
  const successor = await createJobs({
    redisUrl: redisUrl(), prefix, log, tuning: { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 0 },
    processors: { ...idle, deploy: async (id) => { ran.push(id); }, deployAbandoned: async (id, reason) => { abandoned.push([id, reason]); } },
  });
  open.push(successor);
  await until('abandoned', () => abandoned.length === 1, 20_000);
  t.is(abandoned[0][0], 'r-lost');
  t.regex(abandoned[0][1], /stalled/);
  t.deepEqual(ran, [], 'not run again');
  t.is(await successor.deployState('r-lost'), 'failed');
  t.is(await successor.deployState('never-queued'), 'missing');
});

test('works on a Redis unix socket', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tjobs-redis-'));
  const sock = path.join(dir, 'redis.sock');
  const server = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  t.teardown(async () => { server.kill('SIGTERM'); await rm(dir, { recursive: true, force: true }); });
  await until('socket', async () => (await import('node:fs')).existsSync(sock), 10_000);
  const done: string[] = [];
  const jobs = await jobsWith({ build: async (id) => { done.push(id); } }, {}, `redis+unix://${sock}?db=1`);
  await jobs.enqueueBuild('over-socket');
  await until('ran', () => done.length === 1);
  t.deepEqual(done, ['over-socket']);
  await jobs.close();
});

/** Add a deploy job to `prefix`'s queue without processing anything here. */
async function enqueueOnly(prefix: string, releaseId: string): Promise<void> {
  const { default: Queue } = await import('bull');
  const q = new Queue('deploy', { redis: parseRedisUrl(redisUrl()), prefix });
  await q.add({ releaseId }, { jobId: `deploy:${releaseId}`, attempts: 3 });
  await q.close();
}

function lines(child: ChildProcess): string[] {
  const out: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    out.push(...parts);
  });
  return out;
}

test('an erase job outlasts the usual attempts with a capped backoff; asking again while it waits changes nothing, after it failed it runs anew', async (t) => {
  const calls: number[] = [];
  let failUntil = 5;
  const jobs = await jobsWith({
    erase: async () => {
      calls.push(Date.now());
      if (calls.length < failUntil) throw unavailable('a build of the app still runs');
    },
  }, { backoffMs: 100, maxBackoffMs: 300, eraseAttempts: 5 });
  await jobs.enqueueErase('A');
  await jobs.enqueueErase('A');
  await until('fifth attempt', () => calls.length === 5, 20_000);
  await until('completed', async () => (await jobs.status()).erase.completed === 1);
  const gaps = calls.slice(1).map((c, i) => c - calls[i]);
  t.true(gaps[0] >= 90 && gaps[1] >= 190, `doubling: ${gaps.join(', ')} ms`);
  t.true(gaps[3] < 1000, `capped at 300 ms (plus bull's delay timer): ${gaps.join(', ')} ms`);
  t.is((await jobs.status()).erase.failed, 0, 'one job, not two: the second request joined the waiting one');

  // Failing for good (every attempt) leaves a failed job; asking again (a restart does) queues it anew.
  failUntil = Infinity;
  await jobs.enqueueErase('B');
  await until('B failed', async () => (await jobs.status()).erase.failed === 1, 20_000);
  const before = calls.length;
  failUntil = 0;
  await jobs.enqueueErase('B');
  await until('B ran again and completed', async () => (await jobs.status()).erase.completed === 2, 20_000);
  t.is(calls.length, before + 1);
});
