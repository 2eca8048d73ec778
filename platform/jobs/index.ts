/**
 * The platform's job queues on bull (Redis): build, deploy, reconcile, erase.
 *
 * - Stable job ids make enqueueing idempotent: `build:<buildId>` and
 *   `deploy:<releaseId>` are never queued twice while bull still knows them.
 * - Reconcile jobs coalesce per app: a request while one waits for the same
 *   app widens the waiting job's types instead of queueing another.
 * - Failures are retried with exponential backoff, except failures whose
 *   error kind says retrying cannot help (Invalid, NotFound, Conflict,
 *   Forbidden…): only `Internal` and `Unavailable` are retried. A deploy that
 *   fails by the app's fault is recorded by the deployer and is not an error
 *   here at all.
 * - Short locks: a job whose worker died (kill -9 of tspaasd) is seen as
 *   stalled within seconds by the next worker and run again, up to
 *   `maxStalledCount` times, else failed.
 * - Erase jobs (`erase:<appId>`, a destroyed app's leftovers) get more
 *   attempts than the others (`eraseAttempts`): they wait out a build or
 *   deploy still running for the app by failing with `Unavailable`. A
 *   failed or finished erase job is replaced when asked again (tspaasd
 *   asks at every start for each app still being destroyed).
 * - One deploy at a time per app is the deployer's job (a per-app lock), so
 *   deploys of different apps run side by side.
 */
import { randomUUID } from 'node:crypto';
import Queue from 'bull';
import type { Logger } from 'pino';
import { kindOf } from '../../lib/errors.js';
import type { Jobs } from '../types.js';
import { parseRedisUrl } from './redis.js';

/** What the jobs run; wired in parts.ts (`jobProcessors`) to the build job, the deployer and the app eraser. */
export interface JobProcessors {
  build(buildId: string): Promise<void>;
  /** `lastAttempt`: no retry follows when this throws (the deployer records the failure then). */
  deploy(releaseId: string, attempt: { lastAttempt: boolean }): Promise<void>;
  reconcile(appId: string, types?: string[]): Promise<void>;
  /** Erase what is left of a destroyed app (an `Unavailable` error retries later). */
  erase(appId: string): Promise<void>;
  /** A deploy job failed for good without its processor recording why (e.g. stalled too often). */
  deployAbandoned?(releaseId: string, reason: string): Promise<void>;
}

export interface JobTuning {
  /** A job's lock; a worker that stops renewing it (died) loses the job after this. Default 10 000. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs. Default 5000. */
  stalledIntervalMs: number;
  /** Times a stalled job is run again before it fails. Default 2. */
  maxStalledCount: number;
  /** Attempts per job, and the first retry's delay (doubling). Defaults 3, 2000. */
  attempts: number;
  backoffMs: number;
  /** Attempts of an erase job (the backoff doubles from `backoffMs` up to `maxBackoffMs`). Default 12. */
  eraseAttempts: number;
  /** Longest wait between two attempts of an erase job. Default 60 000. */
  maxBackoffMs: number;
  concurrency: { build: number; deploy: number; reconcile: number; erase: number };
  /** close() waits this long for active jobs before leaving them to stall. Default 5000. */
  closeGraceMs: number;
}

export interface JobsOptions {
  redisUrl: string;
  /** Key prefix in Redis (one per daemon/test). */
  prefix: string;
  log: Logger;
  processors: JobProcessors;
  tuning?: Partial<Omit<JobTuning, 'concurrency'>> & { concurrency?: Partial<JobTuning['concurrency']> };
}

const DEFAULT_TUNING: JobTuning = {
  lockDurationMs: 10_000, stalledIntervalMs: 5000, maxStalledCount: 2, attempts: 3, backoffMs: 2000,
  eraseAttempts: 12, maxBackoffMs: 60_000, concurrency: { build: 2, deploy: 4, reconcile: 4, erase: 1 }, closeGraceMs: 5000,
};

const RETRYABLE = new Set(['Internal', 'Unavailable']);

interface ReconcileData { appId: string; types: string[] | null }

/** Open the queues on Redis and start processing them. */
export async function createJobs(opts: JobsOptions): Promise<Jobs> {
  const tuning = { ...DEFAULT_TUNING, ...opts.tuning, concurrency: { ...DEFAULT_TUNING.concurrency, ...opts.tuning?.concurrency } };
  const queues = openQueues(opts, tuning);
  const { build, deploy, reconcile, erase } = queues;
  for (const [name, q] of Object.entries(queues)) watchQueue(name, q, opts.log);
  deploy.on('failed', (job: Queue.Job<{ releaseId: string }>, err: Error) => {
    if (job.finishedOn === undefined || job.finishedOn === null) return; // will be retried
    if (!opts.processors.deployAbandoned) return;
    opts.processors.deployAbandoned(job.data.releaseId, `the deploy job ended without finishing: ${err.message}`)
      .catch((e: unknown) => opts.log.error({ err: e, job: job.id }, 'recording an abandoned deploy failed'));
  });
  await Promise.all(Object.values(queues).map((q) => q.isReady()));
  const jobOpts = (jobId: string): Queue.JobOptions => ({
    jobId, attempts: tuning.attempts, backoff: { type: 'exponential', delay: tuning.backoffMs },
    removeOnComplete: 200, removeOnFail: 500,
  });
  const pendingKey = (appId: string) => `${opts.prefix}:reconcile-pending:${appId}`;

  void build.process(tuning.concurrency.build, (job) => runJob(job, () => opts.processors.build(job.data.buildId)));
  void deploy.process(tuning.concurrency.deploy, (job) => runJob(job, () =>
    opts.processors.deploy(job.data.releaseId, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) })));
  void erase.process(tuning.concurrency.erase, (job: Queue.Job<{ appId: string }>) => runJob(job, () => opts.processors.erase(job.data.appId)));
  void reconcile.process(tuning.concurrency.reconcile, async (job: Queue.Job<ReconcileData>) => {
    if ((await reconcile.client.get(pendingKey(job.data.appId))) === String(job.id)) await reconcile.client.del(pendingKey(job.data.appId));
    const fresh = (await reconcile.getJob(job.id))?.data ?? job.data;
    return runJob(job, () => opts.processors.reconcile(fresh.appId, fresh.types ?? undefined));
  });

  const enqueueReconcile = serialPerKey(async (appId: string, types?: string[]) => {
    const wanted = types === undefined ? null : [...new Set(types)].sort();
    if (wanted && wanted.length === 0) return;
    if (await widenWaiting(reconcile, await reconcile.client.get(pendingKey(appId)), wanted)) return;
    const jobId = `reconcile:${appId}:${randomUUID()}`;
    await reconcile.client.set(pendingKey(appId), jobId, 'EX', 24 * 3600);
    await reconcile.add({ appId, types: wanted } satisfies ReconcileData, { ...jobOpts(jobId), removeOnComplete: true, removeOnFail: 100 });
  });

  return {
    async enqueueBuild(buildId) { await build.add({ buildId }, jobOpts(`build:${buildId}`)); },
    async enqueueDeploy(releaseId) { await deploy.add({ releaseId }, jobOpts(`deploy:${releaseId}`)); },
    deployState: (releaseId) => jobState(deploy, `deploy:${releaseId}`),
    buildState: (buildId) => jobState(build, `build:${buildId}`),
    async enqueueErase(appId) {
      const jobId = `erase:${appId}`;
      const state = await jobState(erase, jobId);
      if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'paused') return;
      if (state !== 'missing') await (await erase.getJob(jobId))?.remove();
      await erase.add({ appId }, { ...jobOpts(jobId), attempts: tuning.eraseAttempts, backoff: { type: 'capped' } });
    },
    enqueueReconcile: (appId, types) => enqueueReconcile(appId, appId, types),
    async status() {
      const out: Record<string, Record<string, number>> = {};
      for (const [name, q] of Object.entries(queues)) out[name] = { ...(await q.getJobCounts()) };
      return out;
    },
    close: once(() => closeQueues(Object.values(queues), tuning.closeGraceMs)),
  };
}

type Queues = Record<'build' | 'deploy' | 'reconcile' | 'erase', Queue.Queue>;

/** The queues with the platform's settings. */
function openQueues(opts: JobsOptions, tuning: JobTuning): Queues {
  const redis = parseRedisUrl(opts.redisUrl);
  const settings = {
    lockDuration: tuning.lockDurationMs, lockRenewTime: Math.floor(tuning.lockDurationMs / 3),
    stalledInterval: tuning.stalledIntervalMs, maxStalledCount: tuning.maxStalledCount,
    backoffStrategies: { capped: (attemptsMade: number) => Math.min(tuning.backoffMs * 2 ** Math.max(0, attemptsMade - 1), tuning.maxBackoffMs) },
  };
  const open = (name: string) => new Queue(name, { redis, prefix: opts.prefix, settings });
  return { build: open('build'), deploy: open('deploy'), reconcile: open('reconcile'), erase: open('erase') };
}

/** Where the job `jobId` of `q` is; `missing` when bull no longer knows it. */
async function jobState(q: Queue.Queue, jobId: string): Promise<'waiting' | 'active' | 'delayed' | 'paused' | 'completed' | 'failed' | 'missing'> {
  const job = await q.getJob(jobId);
  if (!job) return 'missing';
  const state = await job.getState();
  return state === 'stuck' ? 'missing' : state;
}

/** Run a job body; errors that a retry cannot fix end the job for good. */
async function runJob(job: Queue.Job, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!RETRYABLE.has(kindOf(err))) job.discard();
    throw err;
  }
}

/** Widen the waiting reconcile job `jobId` to also cover `types` (null = all); false when it is no longer waiting. */
async function widenWaiting(q: Queue.Queue, jobId: string | null, types: string[] | null): Promise<boolean> {
  if (!jobId) return false;
  const job = await q.getJob(jobId) as Queue.Job<ReconcileData> | null;
  if (!job) return false;
  const have = job.data.types;
  const merged = have === null || types === null ? null : [...new Set([...have, ...types])].sort();
  if (JSON.stringify(merged) !== JSON.stringify(have)) await job.update({ appId: job.data.appId, types: merged });
  // Checked after the update: a job that started meanwhile may have read the old data, so another is queued.
  const state = await job.getState();
  return state === 'waiting' || state === 'delayed' || state === 'paused';
}

/** Log what the queues do that nobody awaits. */
function watchQueue(name: string, q: Queue.Queue, log: Logger): void {
  q.on('error', (err) => log.error({ err, queue: name }, 'job queue error'));
  q.on('failed', (job, err) => log.warn({ err, queue: name, job: job.id, attempts: job.attemptsMade }, 'job failed'));
  q.on('stalled', (job) => log.warn({ queue: name, job: job.id }, 'stalled job taken over'));
}

/** Close the queues: active jobs get `graceMs` to finish; after that they are left to stall (and be retried). */
async function closeQueues(queues: Queue.Queue[], graceMs: number): Promise<void> {
  await Promise.all(queues.map((q) => q.pause(true, true).catch(() => undefined)));
  const finished = Promise.all(queues.map((q) => q.whenCurrentJobsFinished().catch(() => undefined)));
  await Promise.race([finished, new Promise((r) => { setTimeout(r, graceMs).unref(); })]);
  await Promise.all(queues.map((q) => q.close(true).catch(() => undefined)));
}

/** Calls of `fn` with the same key run one after another (in order); different keys run side by side. */
function serialPerKey<A extends unknown[]>(fn: (...args: A) => Promise<void>): (key: string, ...args: A) => Promise<void> {
  const tails = new Map<string, Promise<void>>();
  return (key, ...args) => {
    const run = (tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => fn(...args));
    tails.set(key, run);
    void run.finally(() => { if (tails.get(key) === run) tails.delete(key); }).catch(() => undefined);
    return run;
  };
}

/** `fn` runs on the first call; later calls get the same promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}
