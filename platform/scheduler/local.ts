/**
 * The local scheduler: the platform's processes as containers of the
 * in-process engine. Data in, data out — it knows containers and their
 * labels, never the database or releases' history. Processes do not restart
 * by themselves (restart policy `no`): the deployer hears of crashes on the
 * exit feed (`watchExits`), the reconciler sees them in `listProcesses`, and
 * either starts replacements.
 */
import type { Logger } from 'pino';
import { isKind, unavailable } from '../../lib/errors.js';
import type { Engine } from '../../runtime/types.js';
import type { Container } from '../../runtime/containers/types.js';
import { hostCapacity } from '../../runtime/containers/resources.js';
import { boundsOf, defaultSize, planDisk } from '../plans.js';
import { LABELS, type App, type LogEntry, type PlatformConfig, type ProcessInfo, type ProcessSize, type Release, type Scheduler, type StartOptions } from '../types.js';
import { AppNetworks, networkName } from './network.js';
import { processCreateOptions, toProcessInfo } from './process-spec.js';
import { appLogs, entries, logText, sourceOf } from './logs.js';
import { createLogArchive, KEEP_LINES, type LogArchive } from './log-archive.js';
import { runOneOff } from './one-off.js';
import { quietly } from './calls.js';
import { appStorageOpt } from './disk.js';
import { processPort } from './port.js';
import { watchExits } from './exits.js';

/** A Scheduler on `engine`. */
export function createLocalScheduler(engine: Engine, config: Readonly<PlatformConfig>, log: Logger): Scheduler {
  const networks = new AppNetworks(engine);
  const archive = createLogArchive(config.dataDir, KEEP_LINES, config.logArchiveBytes);
  const port = config.deploy.port;
  return {
    async startProcess(app: App, release: Release, type: string, index: number, size: ProcessSize, opts: StartOptions = {}) {
      const network = await networks.ensure(app);
      const bounds = boundsOf(config.plans, size);
      const create = processCreateOptions({
        app, release, type, index, bounds, network, port: await processPort(engine, release, port), // issue 14 part P
        stopGraceSeconds: config.deploy.stopGraceSeconds, restarts: opts.restarts ?? 0,
        storageOpt: await appStorageOpt(engine, planDisk(bounds)), // part 5, storage quota: the plan's disk
      });
      const c = await engine.createContainer(create);
      try {
        await engine.startContainer(c.record.id);
      } catch (err) {
        await quietly(() => engine.removeContainer(c.record.id, { force: true }));
        throw err;
      }
      log.debug({ app: app.name, process: `${type}.${index}`, container: c.record.id }, 'process started');
      return toProcessInfo(await engine.getContainer(c.record.id), network, port);
    },

    stopProcess: (containerId, graceSeconds) => stopAndRemove(engine, archive, log, containerId, graceSeconds),

    async listProcesses(app) {
      const network = networkName(app);
      return (await appContainers(engine, app))
        .filter((c) => c.record.config.Labels?.[LABELS.oneOff] !== '1')
        .map((c) => toProcessInfo(c, network, port))
        .sort(byProcess);
    },

    async tailLogs(containerId, lines) {
      const out: string[] = [];
      try {
        for await (const l of engine.containerLogs(containerId, { tail: lines })) out.push(logText(l.data));
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
      }
      return out;
    },

    logs: (app, opts) => appLogs(engine, app, opts, () => archive.read(app.id)),

    runOneOff: async (app, release, opts) => runOneOff(engine, {
      app, release, opts, network: await networks.ensure(app), port,
      bounds: boundsOf(config.plans, opts.size ?? defaultSize(config.plans)),
    }, (id) => archiveAndRemove(engine, archive, log, id).catch((err: unknown) => log.warn({ err, container: id }, 'could not remove an ended one-off'))),

    async removeApp(app) {
      for (const c of await appContainers(engine, app)) await removeForce(engine, c.record.id);
      const left = await appContainers(engine, app);
      if (left.length > 0) throw unavailable(`${left.length} container(s) of ${app.name} appeared while it was being removed`);
      await archive.remove(app.id);
      await networks.remove(app);
      log.info({ app: app.name }, 'app removed from the engine');
    },

    capacity: async () => hostCapacity(),

    watchExits: (listener) => watchExits(engine, listener),
  };
}

/** Every container of the app, processes and one-offs, in any state. */
export function appContainers(engine: Engine, app: App): Promise<Container[]> {
  return engine.listContainers({ all: true, label: [`${LABELS.appId}=${app.id}`] });
}

/** Stop with a grace period, keep its last lines, then remove; a container already stopped or gone is fine. */
async function stopAndRemove(engine: Engine, archive: LogArchive, log: Logger, id: string, graceSeconds: number): Promise<void> {
  try {
    await engine.stopContainer(id, graceSeconds);
  } catch (err) {
    if (isKind(err, 'NotFound')) return;
    if (!isKind(err, 'NotModified')) throw err;
  }
  await archiveAndRemove(engine, archive, log, id);
}

/**
 * Keep the last lines of an ended container in the app's log archive, then
 * remove it. Keeping is best effort: a failure (disk full, say) is logged and
 * the container goes anyway.
 */
async function archiveAndRemove(engine: Engine, archive: LogArchive, log: Logger, id: string): Promise<void> {
  let labels: Record<string, string>;
  try {
    labels = (await engine.getContainer(id)).record.config.Labels ?? {};
  } catch (err) {
    if (isKind(err, 'NotFound')) return;
    throw err;
  }
  const appId = labels[LABELS.appId];
  if (appId) {
    await keepLines(engine, archive, appId, id, sourceOf(labels))
      .catch((err: unknown) => log.warn({ err, container: id }, 'could not keep the log lines of a container being removed'));
  }
  await removeForce(engine, id);
}

async function keepLines(engine: Engine, archive: LogArchive, appId: string, id: string, source: string): Promise<void> {
  const lines: LogEntry[] = [];
  for await (const e of entries(engine.containerLogs(id, { tail: KEEP_LINES }), source)) lines.push(e);
  await archive.keep(appId, id, lines);
}

/** Remove a container, running or not; gone already is fine, and one being removed (an autoRemove) is waited for. */
async function removeForce(engine: Engine, id: string): Promise<void> {
  try {
    await engine.removeContainer(id, { force: true });
  } catch (err) {
    if (isKind(err, 'NotFound')) return;
    if (!isKind(err, 'Conflict')) throw err;
    await quietly(() => engine.waitContainer(id, 'removed'));
  }
}

function byProcess(a: ProcessInfo, b: ProcessInfo): number {
  return a.type.localeCompare(b.type) || a.index - b.index || a.releaseVersion - b.releaseVersion;
}
