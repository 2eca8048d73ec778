/**
 * `tspaas run`: a one-off container `<app>.run.<N>` of a release, on the
 * app's network, with the release's env (PORT, DYNO=run.N too). Its command
 * line is the arguments joined and run by `/bin/sh -c`, as Heroku does
 * (`run bash` runs bash; `run 'echo $PORT'` expands). Attached before it
 * starts (like `docker run -it`), so no output is lost. An attached one-off
 * is removed by the engine when it ends (autoRemove), whether or not anyone
 * waits for it: its output went to the caller. A detached one's output goes
 * to `tspaas logs`, so when it ends `ended` keeps its lines and removes it.
 */
import { randomInt } from 'node:crypto';
import { invalid, isKind, unless } from '../../lib/errors.js';
import type { Attachment, Engine } from '../../runtime/types.js';
import type { Container, CreateOptions } from '../../runtime/containers/types.js';
import { LABELS, type App, type OneOff, type OneOffAttachment, type OneOffOptions, type Plan, type Release } from '../types.js';
import { planDisk, planLimits } from '../plans.js';
import { APP_CAP_DROP, appLabels, envList, shellCommand } from './process-spec.js';
import { quietly } from './calls.js';
import { appStorageOpt } from './disk.js';
import { teamUserns } from '../userns.js';

export interface OneOffRequest {
  app: App;
  release: Release;
  opts: OneOffOptions;
  network: string;
  port: number;
  /** The plan's bounds, with the one-off's memory. */
  bounds: Plan;
}

/** Create, attach, start a one-off; `ended` gets a detached one once it exited. See the file's comment. */
export async function runOneOff(engine: Engine, req: OneOffRequest, ended: (containerId: string) => Promise<void>): Promise<OneOff> {
  const { container, n } = await createOneOff(engine, req);
  const id = container.record.id;
  const { opts } = req;
  // Waiters and attachment first: a quick command may end (and be removed) right at start.
  const removed = engine.waitContainer(id, 'removed');
  if (!opts.attach) void engine.waitContainer(id, 'next-exit').then(() => ended(id), () => undefined);
  try {
    const attachment = opts.attach ? await engine.attachContainer(id, { stdin: true, stdout: true, stderr: true, stream: true }) : null;
    await engine.startContainer(id);
    if (opts.tty && opts.rows && opts.cols) await resize(engine, id, opts.rows, opts.cols);
    return {
      name: `run.${n}`,
      containerId: id,
      attachment: attachment && oneOffAttachment(attachment),
      resize: (rows, cols) => resize(engine, id, rows, cols),
      wait: async () => (await removed).exitCode,
      stop: () => kill(engine, id),
    };
  } catch (err) {
    await quietly(() => engine.removeContainer(id, { force: true }));
    throw err;
  }
}

/** The engine's attachment as the Scheduler contract's: the same four calls, nothing else of the engine's. */
function oneOffAttachment(a: Attachment): OneOffAttachment {
  return {
    onOutput: (cb) => a.onOutput(cb),
    onEnd: (cb) => a.onEnd(cb),
    get stdin() { return a.stdin; },
    detach: () => a.detach(),
  };
}

/** Create `<app>.run.<N>` with a free N (1000–9999, as Heroku's run.1234). */
async function createOneOff(engine: Engine, req: OneOffRequest): Promise<{ container: Container; n: number }> {
  const line = req.opts.command.join(' ').trim();
  if (!line) throw invalid('a command to run is needed');
  const storageOpt = await appStorageOpt(engine, planDisk(req.bounds)); // part 5, storage quota: the plan's disk
  for (let attempt = 0; ; attempt++) {
    const n = randomInt(1000, 10000);
    try {
      return { container: await engine.createContainer({ ...oneOffOptions(req, line, n), storageOpt }), n };
    } catch (err) {
      if (!isKind(err, 'Conflict') || attempt >= 20) throw err;
    }
  }
}

function oneOffOptions(req: OneOffRequest, line: string, n: number): CreateOptions {
  const { app, release, opts } = req;
  if (!release.image) throw invalid(`release v${release.version} has no image`);
  return {
    name: `${app.name}.run.${n}`,
    image: release.image,
    cmd: shellCommand(line),
    // The caller's env last: `run -e`, or the release phase's DYNO=release.1.
    // Issue 14 part P: config PORT as processes get it.
    env: envList({ ...release.config, PORT: release.config.PORT ?? String(req.port), DYNO: `run.${n}`, ...opts.env }),
    labels: { ...appLabels(app, release), [LABELS.type]: 'run', [LABELS.index]: String(n), [LABELS.oneOff]: '1', [LABELS.plan]: req.bounds.name },
    tty: opts.tty,
    openStdin: opts.attach,
    stdinOnce: true,
    ...planLimits(req.bounds),
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    // An init as PID 1, so SIGTERM reaches the app (a process that is PID 1 itself ignores it unless it handles it).
    init: true,
    autoRemove: opts.attach,
    networkMode: req.network,
    capDrop: [...APP_CAP_DROP],
    userns: teamUserns(app), // issue 13 part 2: the team's user namespace
  };
}

/** Resize its tty; one that already ended has nothing to resize. */
async function resize(engine: Engine, id: string, rows: number, cols: number): Promise<void> {
  await unless(['NotFound', 'Conflict'], () => engine.resizeContainer(id, rows, cols));
}

/** SIGKILL it (autoRemove then removes it); gone or ended already is fine. */
async function kill(engine: Engine, id: string): Promise<void> {
  await unless(['NotFound', 'Conflict', 'NotModified'], () => engine.killContainer(id, 'KILL'));
}
