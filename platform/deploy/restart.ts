/**
 * `tspaas ps:restart [type|type.N]`: zero-downtime restart of running
 * processes of the current release. Per type: new containers first (checked),
 * then the web backends switch to them in one statement, the old drain and
 * stop. A failed check stops the new ones and leaves the old serving.
 */
import { conflict, notFound } from '../../lib/errors.js';
import { listFormation } from '../store/formation.js';
import { currentRelease } from '../store/releases.js';
import { setBackends } from '../routing/backends.js';
import { defaultSize } from '../plans.js';
import type { App, PlatformDeps, ProcessInfo, Release } from '../types.js';
import { desiredFormation } from './formation.js';
import { sleep } from './health.js';
import { mapLimit } from '../../lib/parallel.js';
import { backendsOf, commitRoutes, PARALLEL, startChecked, stopProcesses } from './processes.js';

/** The processes `target` names (all, a type, or one `type.N`) of the current release; NotFound when none. */
export async function restartTargets(deps: PlatformDeps, app: App, target: string | undefined): Promise<{ release: Release; procs: ProcessInfo[] }> {
  const release = await currentRelease(deps.db, app.id);
  if (!release) throw conflict(`${app.name} has no release running yet`);
  const procs = (await deps.scheduler.listProcesses(app))
    .filter((p) => p.releaseVersion === release.version && (!target || p.type === target || p.name === target));
  if (procs.length === 0) throw notFound(target ? `no process ${target} is running` : 'no process is running');
  return { release, procs };
}

/** Restart `procs` of `release` type by type (caller holds the app's lock). */
export async function restartProcesses(deps: PlatformDeps, app: App, release: Release, procs: ProcessInfo[], say: (l: string) => void): Promise<void> {
  const formation = desiredFormation(release, await listFormation(deps.db, app.id), deps.config.plans);
  for (const type of [...new Set(procs.map((p) => p.type))]) {
    const group = procs.filter((p) => p.type === type);
    const f = formation.find((x) => x.type === type);
    const size = f ? { plan: f.plan, memoryBytes: f.memoryBytes } : defaultSize(deps.config.plans);
    const fresh: ProcessInfo[] = [];
    try {
      await mapLimit(group, PARALLEL, async (p) => { fresh.push(await startChecked(deps, app, release, { type, index: p.index, ...size }, say)); }, { afterFailure: 'finish' });
    } catch (err) {
      await stopProcesses(deps, fresh);
      throw err;
    }
    if (type === 'web') await switchWeb(deps, app, release, group, fresh, say);
    say(`Stopping ${group.map((p) => p.name).join(', ')} (old containers)`);
    await stopProcesses(deps, group);
  }
}

/** Backends: the running web processes of the release minus `old` plus `fresh`; then the old drain. */
async function switchWeb(deps: PlatformDeps, app: App, release: Release, old: ProcessInfo[], fresh: ProcessInfo[], say: (l: string) => void): Promise<void> {
  const gone = new Set(old.map((p) => p.containerId));
  const fresher = new Set(fresh.map((p) => p.containerId));
  const others = (await deps.scheduler.listProcesses(app))
    .filter((p) => p.releaseVersion === release.version && p.state === 'up' && !gone.has(p.containerId) && !fresher.has(p.containerId));
  say(`Routing web to ${fresh.map((p) => `${p.address}:${p.port}`).join(', ')}`);
  await commitRoutes(deps, (q) => setBackends(q, app.name, backendsOf([...others, ...fresh])), say);
  await sleep(deps.config.deploy.drainMs);
}
