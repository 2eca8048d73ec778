/** Facts about the engine and its host (`docker info`), and the choice of OCI runtime. */
import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import type { EngineConfig, EngineInfo } from './types.js';
import type { ImageStore } from './images/types.js';
import type { ContainerContext } from './containers/context.js';
import type { OciRuntime } from './containers/oci-runtime.js';
import { detectCgroups } from './containers/cgroups.js';
import { findBinary } from '../lib/binaries.js';
import { chooseRuntime } from './host.js';

export const ENGINE_VERSION = '0.1.0';

/** The runtimes installed here and the one new containers get. */
export async function pickRuntimes(config: EngineConfig): Promise<{ runtimes: Record<string, OciRuntime>; defaultRuntime: string }> {
  const chosen = await chooseRuntime(config.runtime);
  const runtimes: Record<string, OciRuntime> = {};
  for (const name of ['crun', 'runc'] as const) {
    const bin = await findBinary(name);
    if (bin) runtimes[name] = { name, path: bin, root: path.join(config.runRoot, name) };
  }
  return { runtimes, defaultRuntime: chosen.name };
}

/** What `info` reports. */
export async function engineInfo(config: EngineConfig, ctx: ContainerContext, images: ImageStore): Promise<EngineInfo> {
  const all = ctx.store.list();
  const count = (s: string) => all.filter((c) => c.state.status === s).length;
  const cg = await detectCgroups();
  return {
    version: ENGINE_VERSION, runtime: ctx.defaultRuntime, runtimes: Object.keys(ctx.runtimes),
    cgroupVersion: cg.mode === 'v2' ? '2' : '1', cgroupDriver: 'cgroupfs', storageDriver: 'overlay', root: config.root,
    kernelVersion: os.release(), operatingSystem: await osName(), osType: 'linux', architecture: os.arch() === 'x64' ? 'x86_64' : os.arch(),
    ncpu: os.cpus().length, memTotal: os.totalmem(), hostname: os.hostname(),
    containers: { total: all.length, running: count('running'), paused: count('paused'), stopped: all.length - count('running') - count('paused') },
    images: (await images.list()).length,
    securityOptions: ['name=seccomp,profile=builtin', 'name=no-new-privileges'],
    storageQuota: { backend: ctx.snapshots.quota.backend, reason: ctx.snapshots.quota.reason }, // part 5
    registryMirrors: config.registryMirrors ?? [], // issue 14 part R
  };
}

async function osName(): Promise<string> {
  const text = await fsp.readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
}
