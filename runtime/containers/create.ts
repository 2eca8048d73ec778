/** `create`: resolve the image, merge its config with the options, prepare the writable layer, persist the record. */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalid, unavailable } from '../../lib/errors.js';
import type { Image } from '../images/types.js';
import type { ContainerContext } from './context.js';
import { emitContainerEvent } from './context.js';
import { generateName } from './names.js';
import { INIT_BINARY } from './spec.js';
import { mergeConfigEnv } from './env.js';
import { normalizeCap } from './capabilities.js';
import { initialState } from './store.js';
import { validateNetworking } from './network.js';
import { parseSecurityOpts } from './security-opts.js';
import { writableLayerSize } from './storage-opt.js';
import { DEFAULT_LOG_OPTS, containerLogConfig } from './log-config.js';
import { checkHostBounds, hostCapacity } from './resources.js';
import { checkLimits, readLimitHost } from './limits.js';
import type { Container, ContainerRecord, CreateOptions, MountSpec } from './types.js';
import { DEFAULT_USERNS_POOL, hostRootOf, resolveUserns, usernsOf } from './userns.js';
import { mergeHealthcheck, validateHealthcheck } from './healthcheck.js';
import { readHardLimits, resolveHostOptions } from './host-options.js';

/** Create a container from validated options; the image must exist (see Engine.ensureImage). */
export async function createContainer(ctx: ContainerContext, given: CreateOptions, image: Image, chainId: string | null): Promise<Container> {
  const userns = resolveUserns(ctx, given, ctx.config.usernsPool ?? DEFAULT_USERNS_POOL); // issue 13 part 2
  try {
    return await createWith(ctx, userns.options, image, chainId);
  } finally {
    userns.release();
  }
}

async function createWith(ctx: ContainerContext, given: CreateOptions, image: Image, chainId: string | null): Promise<Container> {
  const opts = await resolveHostOptions(given, (ref) => ctx.store.resolve(ref), await readHardLimits()); // issue 16: --pid, --ulimit, --volumes-from…
  validate(opts);
  checkLimits(opts, await readLimitHost(ctx.host.cgroups)); // issue 16: Docker's checks of the resource options
  const runtime = runtimeName(ctx, opts);
  validateNetworking(ctx, opts);
  parseSecurityOpts(opts.securityOpt); // refuse a bad --security-opt at create, not at start
  checkCapabilityNames(opts);
  const sizeBytes = writableLayerSize(opts.storageOpt, ctx.snapshots.quota, ctx.config.storageQuota?.defaultSize);
  if (opts.init) await fsp.access(INIT_BINARY).catch((err: unknown) => { throw unavailable(`--init needs ${INIT_BINARY} (apt-get install catatonit)`, err); });
  const id = randomBytes(32).toString('hex');
  const name = opts.name ?? generateName((n) => ctx.store.nameFree(n));
  const options = { ...opts, mounts: withAnonymousVolumes(opts.mounts ?? [], image), logConfig: containerLogConfig(opts.logConfig, ctx.config.logOpts ?? DEFAULT_LOG_OPTS) };
  const record: ContainerRecord = {
    id, name, created: new Date().toISOString(), imageId: image.id, imageRef: opts.image,
    snapshotParent: chainId, config: mergeConfig(opts, image, id), options, runtime,
  };
  const c: Container = { record, state: initialState() };
  ctx.store.reserveName(name, id); // before any await: concurrent creates never share a name
  try {
    const maps = usernsOf(options);
    await ctx.snapshots.prepare(id, chainId, { sizeBytes, ...(maps ? { owner: hostRootOf(maps) } : {}) });
  } catch (err) {
    ctx.store.releaseName(name, id);
    throw err;
  }
  try {
    await writeInitLayer(ctx.snapshots.initDir(id));
    await ctx.store.add(c);
  } catch (err) {
    ctx.store.releaseName(name, id);
    await ctx.snapshots.remove(id);
    throw err;
  }
  emitContainerEvent(ctx, c, 'create');
  return c;
}

/** Mount points the runtime would otherwise create in the upper dir (Docker's init layer). */
const INIT_DIRS = ['proc', 'sys', 'dev', 'etc'];
const INIT_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

async function writeInitLayer(dir: string): Promise<void> {
  for (const d of INIT_DIRS) await fsp.mkdir(path.join(dir, d), { mode: 0o755 });
  for (const f of INIT_FILES) await fsp.writeFile(path.join(dir, f), '', { mode: 0o644 });
}

function validate(o: CreateOptions): void {
  for (const m of o.mounts ?? []) {
    if (!m.target.startsWith('/')) throw invalid(`invalid mount config: mount path must be absolute: ${m.target}`);
    if (m.type === 'bind' && !m.source.startsWith('/')) throw invalid(`invalid mount config: bind source path must be absolute: ${m.source}`);
  }
  if (o.memory !== undefined && o.memory > 0 && o.memory < 6 * 1024 * 1024) throw invalid('Minimum memory limit allowed is 6MB');
  if (o.nanoCpus !== undefined && o.nanoCpus < 0) throw invalid('Range of CPUs is from 0.01 to the number of CPUs available');
  checkHostBounds(o, hostCapacity()); // part 4: no limit above what the host has
  validateHealthcheck(o.healthcheck);
}

/** `--runtime`: one the engine has (Docker's message otherwise); absent = the engine's default. */
function runtimeName(ctx: ContainerContext, o: CreateOptions): string {
  if (!o.runtime) return ctx.defaultRuntime;
  if (!ctx.runtimes[o.runtime]) throw invalid(`unknown or invalid runtime name: ${o.runtime}`);
  return o.runtime;
}

/** Unknown capability names are refused at create, as Docker does ("invalid CapAdd: unknown capability: …"). */
function checkCapabilityNames(o: CreateOptions): void {
  for (const [field, list] of [['CapAdd', o.capAdd], ['CapDrop', o.capDrop]] as const) {
    for (const c of list ?? []) {
      try {
        normalizeCap(c);
      } catch (err) {
        throw invalid(`invalid ${field}: ${(err as Error).message}`, err);
      }
    }
  }
}

/** Image config + options → the process config the container will run (Docker's rules). */
export function mergeConfig(o: CreateOptions, image: Image, id: string): ContainerRecord['config'] {
  const ic = image.config.config ?? {};
  const entrypoint = o.entrypoint ?? ic.Entrypoint ?? null;
  // An overridden entrypoint drops the image's CMD unless a command is given too.
  const cmd = o.cmd ?? (o.entrypoint !== undefined ? null : ic.Cmd ?? null);
  if ((entrypoint?.length ?? 0) + (cmd?.length ?? 0) === 0) throw invalid('no command specified');
  return {
    ...ic,
    Hostname: o.hostname || (o.utsMode === 'host' ? os.hostname() : id.slice(0, 12)),
    User: o.user ?? ic.User ?? '',
    Env: mergeConfigEnv(ic.Env ?? [], o.env ?? []),
    Entrypoint: entrypoint,
    Cmd: cmd,
    WorkingDir: o.workingDir || ic.WorkingDir || '',
    Labels: { ...(ic.Labels ?? {}), ...(o.labels ?? {}) },
    ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(o.exposedPorts ?? {}) },
    StopSignal: o.stopSignal || ic.StopSignal || 'SIGTERM',
    Healthcheck: mergeHealthcheck(o.healthcheck, ic.Healthcheck),
    Tty: o.tty ?? false,
    OpenStdin: o.openStdin ?? false,
    StdinOnce: o.stdinOnce ?? false,
    Image: o.image,
  };
}

/**
 * Name the anonymous volumes now, so every start mounts the same ones: a
 * volume mount without a source, and each image VOLUME no mount covers.
 */
function withAnonymousVolumes(mounts: MountSpec[], image: Image): MountSpec[] {
  const anon = () => randomBytes(32).toString('hex');
  const named = mounts.map((m) => (m.type === 'volume' && !m.source ? { ...m, source: anon() } : m));
  const covered = new Set(named.map((m) => m.target.replace(/\/+$/, '')));
  const fromImage = Object.keys(image.config.config?.Volumes ?? {})
    .filter((t) => !covered.has(t.replace(/\/+$/, '')))
    .map((target): MountSpec => ({ type: 'volume', source: anon(), target, readOnly: false }));
  return [...named, ...fromImage];
}
