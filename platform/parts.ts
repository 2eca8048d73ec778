/**
 * The one place the platform's parts are put together into PlatformDeps, for
 * tspaasd (main.ts) and for every test bed alike, so a part missing from one
 * of them is a compile error, not a `TypeError` in the middle of a deploy.
 *
 * The caller brings what stands on its own (config, database, log, event
 * bus) and the two parts that hold the engine (Scheduler, Builder: made by
 * main.ts from its engine, so this file never sees one). Here the deployer
 * and the job queues are made, which need each other: the deployer enqueues
 * deploys and reconciles, the queues' workers run the deployer. Neither
 * calls the other while it is being made, so the deps object reads both
 * through accessors, filled in two steps: the deployer first, then the
 * queues, whose workers may start at once (a job already waiting in Redis).
 */
import type { Logger } from 'pino';
import { internal } from '../lib/errors.js';
import { runBuildJob } from './builds/job.js';
import { eraseApp } from './control/erase.js';
import type { Db } from './db/pool.js';
import { createDeployer, type DeployerOptions } from './deploy/index.js';
import { createJobs, type JobProcessors, type JobsOptions } from './jobs/index.js';
import type { Builder, Deployer, EventBus, Jobs, PlatformConfig, PlatformDeps, Scheduler } from './types.js';

/** What the caller brings. */
export interface PartsInput {
  config: Readonly<PlatformConfig>;
  db: Db;
  log: Logger;
  events: EventBus;
  scheduler: Scheduler;
  builder: Builder;
  /** Where the queues live (Redis URL, key prefix), their log and tuning; their processors are `jobProcessors`. */
  jobs: Omit<JobsOptions, 'processors'>;
  deployer?: DeployerOptions;
}

/** The assembled deps; the deployer watches for crashes and the queues' workers run (close both: jobs, then deployer). */
export async function assembleParts(input: PartsInput): Promise<PlatformDeps> {
  let deployer: Deployer | undefined;
  let jobs: Jobs | undefined;
  const deps: PlatformDeps = {
    config: input.config, db: input.db, log: input.log, events: input.events, scheduler: input.scheduler, builder: input.builder,
    get deployer() { return deployer ?? notYet('deployer'); },
    // A new deployer may take the old one's place (a test bed's "daemon restart"); the queues then run the new one.
    set deployer(d: Deployer) { deployer = d; },
    get jobs() { return jobs ?? notYet('jobs'); },
  };
  deployer = createDeployer(deps, input.deployer);
  try {
    jobs = await createJobs({ ...input.jobs, processors: jobProcessors(deps) });
  } catch (err) {
    await deployer.close();
    throw err;
  }
  return deps;
}

/** What each queue's worker runs: builds by the build job, the rest by the deployer and the app eraser. */
export function jobProcessors(deps: PlatformDeps): JobProcessors {
  return {
    build: (buildId) => runBuildJob(deps, buildId),
    deploy: (releaseId, attempt) => deps.deployer.deployRelease(releaseId, attempt),
    reconcile: (appId, types) => deps.deployer.reconcileApp(appId, types),
    erase: (appId) => eraseApp(deps, appId),
    deployAbandoned: (releaseId, reason) => deps.deployer.abandonRelease(releaseId, reason),
  };
}

/** A part read before assembleParts made it: a bug of the assembly, never of a caller. */
function notYet(part: string): never {
  throw internal(`${part} is not assembled yet`);
}
