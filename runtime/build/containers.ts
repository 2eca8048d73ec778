/**
 * Build containers: every step that touches the filesystem works in a real
 * container of the engine (created from the step's parent image, with the
 * engine's isolation defaults, the build limits and the default network) and
 * its upper dir becomes the step's layer. Containers go away after the step
 * unless the user asked to keep them (`rm=false`, or a failure without
 * `forceRm`).
 */
import { invalid } from '../../lib/errors.js';
import type { CreateOptions } from '../containers/types.js';
import type { Image, Layer } from '../images/types.js';
import type { Build } from './state.js';

/** How a build container should run (RUN) or just exist (COPY, WORKDIR). */
export interface BuildContainerSpec {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  /** Announce it (` ---> Running in …`, `Removing intermediate container …`), as for RUN. */
  announce?: boolean;
}

/** Create a container from `image`, hand it to `fn`, then remove it as the options say. */
export async function withBuildContainer<T>(b: Build, image: Image, spec: BuildContainerSpec, fn: (id: string) => Promise<T>): Promise<T> {
  const { engine } = b.deps;
  const c = await engine.createContainer(createOptions(b, image, spec));
  const id = c.record.id;
  if (spec.announce) b.emit({ kind: 'container', id });
  let ok = false;
  try {
    const result = await fn(id);
    ok = true;
    return result;
  } finally {
    if (b.opts.forceRm || (ok && b.opts.rm !== false) || !spec.announce) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch((err: unknown) => {
        b.deps.log.warn({ container: id, err }, 'build: a build container could not be removed; it stays');
      });
      if (spec.announce) b.emit({ kind: 'removed', id });
    }
  }
}

function createOptions(b: Build, image: Image, spec: BuildContainerSpec): CreateOptions {
  const { limits } = b.deps;
  return {
    image: image.id,
    entrypoint: [],
    cmd: spec.cmd,
    env: spec.env,
    user: spec.user,
    workingDir: spec.workingDir,
    memory: b.opts.memory ?? limits.memory,
    pidsLimit: b.opts.pidsLimit ?? limits.pidsLimit,
    nanoCpus: b.opts.nanoCpus,
    cpuShares: b.opts.cpuShares,
    networkMode: b.opts.networkMode || undefined,
    extraHosts: b.opts.extraHosts?.length ? b.opts.extraHosts : undefined,
    labels: { 'io.tspaas.build': 'true' },
    // Part 5, storage quota: a RUN step cannot fill the disk.
    storageOpt: b.deps.layerSize ? { size: String(b.deps.layerSize) } : undefined,
    userns: b.opts.userns, // issue 13 part 2
  };
}

/** Start the container, relay its output as build events, and wait; returns the exit code. Kills it at the time limit. */
export async function runToExit(b: Build, id: string): Promise<number> {
  const { engine } = b.deps;
  const att = await engine.attachContainer(id, { stdout: true, stderr: true, stream: true });
  att.onOutput((stream, data) => b.emit({ kind: 'output', stream, data }));
  const ended = new Promise<void>((r) => att.onEnd(r));
  const exited = engine.waitContainer(id, 'next-exit');
  await engine.startContainer(id);
  const seconds = b.deps.limits.timeoutSeconds;
  let timedOut = false;
  const timer = seconds > 0 ? setTimeout(() => {
    timedOut = true;
    void engine.killContainer(id, 'SIGKILL').catch((err: unknown) => {
      b.deps.log.error({ container: id, err }, 'build: the step timed out and its container could not be killed');
    });
  }, seconds * 1000) : null;
  try {
    const { exitCode } = await exited;
    await ended;
    if (timedOut) throw invalid(`the step took longer than the build time limit of ${seconds} s and was stopped`);
    return exitCode;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The container's changes as a layer. */
export function commitLayer(b: Build, id: string): Promise<Layer> {
  return b.deps.layerOf(id);
}
