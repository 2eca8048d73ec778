/**
 * A real engine in a temporary root for tests: real conmon, real runtime,
 * real overlayfs. `cleanup()` removes every container it made and the roots.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createEngine } from '../../runtime/engine.js';
import { removeCgroupTree } from '../../runtime/containers/cgroups.js';
import type { Engine, EngineConfig, Logger } from '../../runtime/types.js';
import type { CreateOptions } from '../../runtime/containers/types.js';
import { claimNetworkSlot } from './network-slot.js';

export interface TestEngine {
  engine: Engine;
  config: EngineConfig;
  /** Reopen the engine on the same roots (as after a restart). */
  reopen(): Promise<Engine>;
  cleanup(): Promise<void>;
}


/**
 * Every test container's writable layer is bounded (part 5, storage quota):
 * the roots are on the quota filesystem (quota-store.ts), and this default
 * puts a real quota on each layer, as the platform does for apps.
 */
export const TEST_LAYER_SIZE = 8 * 1024 ** 3;

/** Start an engine in fresh temporary roots. */
export async function startTestEngine(opts: {
  runtime?: 'crun' | 'runc' | 'auto'; storageQuota?: EngineConfig['storageQuota']; under?: string;
  registries?: Pick<EngineConfig, 'registryMirrors' | 'insecureRegistries'>;
  /** Fill the engine's root before the engine opens it (e.g. `seedStacks` of stacks.ts: the stacks, loaded and unpacked). */
  seed?: (root: string) => Promise<void>;
  /** Where the engine logs what it survives; default: pino at `TEST_LOG`'s level, else silent. */
  log?: Logger;
} = {}): Promise<TestEngine> {
  // `under`: a dir to make the engine's root in (a test's own filesystem), else the tests' TMPDIR.
  const base = await mkdtemp(path.join(opts.under ?? os.tmpdir(), 'tsp-'));
  const slot = await claimNetworkSlot();
  const config: EngineConfig = {
    root: path.join(base, 'root'),
    runRoot: path.join(base, 'run'),
    runtime: opts.runtime ?? 'auto',
    cgroupParent: `/tspaas-test/${path.basename(base)}`,
    seccompProfile: '',
    network: slot.config,
    storageQuota: opts.storageQuota ?? { defaultSize: TEST_LAYER_SIZE },
    ...opts.registries, // issue 14 part R: registry mirrors, insecure registries
  };
  await opts.seed?.(config.root);
  const log = opts.log ?? testLogger();
  let engine = await createEngine(config, log);
  return {
    get engine() { return engine; },
    config,
    async reopen() {
      await engine.close();
      engine = await createEngine(config, log);
      return engine;
    },
    async cleanup() {
      for (const c of await engine.listContainers({ all: true })) {
        await engine.removeContainer(c.record.id, { force: true }).catch(() => undefined);
      }
      await engine.purgeNetworks().catch(() => undefined);
      await engine.close();
      await slot.release();
      await removeCgroupTree(config.cgroupParent).catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** The engine's logger in tests: pino at `TEST_LOG`'s level (e.g. `TEST_LOG=warn`), silent by default. */
export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG ?? 'silent' });
}

/** Create, attach, start and wait like `docker run`; returns output and exit code. */
export async function runToEnd(engine: Engine, opts: CreateOptions): Promise<{ id: string; stdout: string; stderr: string; exitCode: number }> {
  await engine.ensureImage(opts.image);
  const c = await engine.createContainer(opts);
  const att = await engine.attachContainer(c.record.id, { stdout: true, stderr: true, stream: true });
  const out = { stdout: '', stderr: '' };
  att.onOutput((s, d) => { out[s] += d.toString(); });
  const ended = new Promise<void>((r) => att.onEnd(r));
  const exited = engine.waitContainer(c.record.id, 'next-exit');
  await engine.startContainer(c.record.id);
  const { exitCode } = await exited;
  await ended;
  return { id: c.record.id, ...out, exitCode };
}

