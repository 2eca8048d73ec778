/** Start and stop the benchmark's bare engine (engine-daemon.ts) as a separate process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './api-run.js';

export interface EngineProcess {
  socket: string;
  stop(): Promise<void>;
}

/** Spawn the engine on `dir`/engine and wait (up to a minute) until its API answers /_ping. */
export async function startEngine(repo: string, dir: string): Promise<EngineProcess> {
  const root = path.join(dir, 'engine');
  const runRoot = path.join(dir, 'run');
  const socket = path.join(runRoot, 'engine.sock');
  await fsp.mkdir(runRoot, { recursive: true });
  const log = createWriteStream(path.join(dir, 'engine.log'));
  const child = spawn(process.execPath, ['--import=tsx', path.join(repo, 'bench/engine-daemon.ts'), root, runRoot, socket], {
    cwd: repo, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = () => stopChild(child, exited);
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break;
    const ok = await request(socket, 'GET', '/_ping').then((r) => r.status === 200, () => false);
    if (ok) return { socket, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`the engine did not come up; see ${path.join(dir, 'engine.log')}${process.env.BENCH_KEEP === '1' ? '' : ' (BENCH_KEEP=1 keeps it)'}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
