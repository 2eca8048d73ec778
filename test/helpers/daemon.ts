/**
 * A real `tspaasd --engine-only` process in temporary roots, for tests that
 * go through the Engine API socket (dockerode, the docker CLI, the tspaas
 * CLI) or that kill the daemon. The process runs from the TypeScript sources
 * via tsx. (The whole platform: test/helpers/platform.ts.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { removeCgroupTree } from '../../runtime/containers/cgroups.js';
import { claimNetworkSlot } from './network-slot.js';
import type { NetworkConfig } from '../../runtime/network/types.js';
import { programArgs } from './programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestDaemon {
  socket: string;
  root: string;
  runRoot: string;
  docker: Docker;
  /** The daemon's network settings (its own bridge names and subnets). */
  network: NetworkConfig;
  /** SIGKILL the daemon (containers keep running under conmon). */
  killHard(): Promise<void>;
  /** Start the daemon again on the same roots. */
  restart(): Promise<void>;
  /** Remove every container, stop the daemon, delete the roots. */
  cleanup(): Promise<void>;
}

/** Start tspaasd on fresh roots and wait until its socket answers. */
export async function startDaemon(opts: { runtime?: string; seed?: (engineRoot: string) => Promise<void> } = {}): Promise<TestDaemon> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'tspd-'));
  const root = path.join(base, 'root');
  const runRoot = path.join(base, 'run');
  const socket = path.join(runRoot, 'engine.sock');
  const cgroupParent = `/tspaas-test/${path.basename(base)}`;
  const slot = await claimNetworkSlot();
  const args = [...programArgs('platform/main'), '--root', root, '--run-root', runRoot,
    '--cgroup-parent', cgroupParent, '--log-level', 'warn', '--runtime', opts.runtime ?? 'auto', '--engine-only', ...slot.flags];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    const docker = new Docker({ socketPath: socket });
    // A minute: tsx compiles the daemon at start, which takes seconds on a busy 2-core host.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      if (child.exitCode !== null) throw new Error(`tspaasd exited with ${child.exitCode}`);
      if (await access(socket).then(() => docker.ping().then(() => true, () => false), () => false)) return;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await slot.release();
    throw new Error('tspaasd did not answer within 60 s');
  };
  await opts.seed?.(path.join(root, 'engine')); // e.g. seedStacks (stacks.ts)
  await launch();
  const docker = new Docker({ socketPath: socket });
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return {
    socket, root, runRoot, docker, network: slot.config,
    killHard: () => stop('SIGKILL'),
    restart: launch,
    async cleanup() {
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      }
      await stop('SIGTERM');
      await slot.release();
      await removeCgroupTree(cgroupParent).catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}
