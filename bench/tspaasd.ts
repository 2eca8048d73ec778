/**
 * Start and stop the engine under test: the built tspaasd (dist/platform/main.js)
 * on the bench's temporary root and run root, in its own cgroup parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './api-run.js';

export interface EngineProcess {
  socket: string;
  stop(): Promise<void>;
}

/** Spawn tspaasd on `dir` and wait (up to a minute) until its API answers /_ping. */
export async function startEngine(repo: string, dir: string): Promise<EngineProcess> {
  const runRoot = path.join(dir, 'run');
  const socket = path.join(runRoot, 'engine.sock');
  const daemon = path.join(repo, 'dist/platform/main.js');
  await fsp.access(daemon).catch(() => { throw new Error(`${daemon} is missing: run "bash scripts/setup.sh" first`); });
  await fsp.mkdir(runRoot, { recursive: true });
  const logFile = path.join(dir, 'tspaasd.log');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [daemon, '--root', dir, '--run-root', runRoot, '--cgroup-parent', '/tspaas-bench', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<unknown>((resolve) => child.once('exit', resolve));
  const stop = () => stopChild(child, exited);
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    if (await request(socket, 'GET', '/_ping').then((r) => r.status === 200, () => false)) return { socket, stop };
    await sleep(100);
  }
  await stop();
  const tail = (await fsp.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-10).join('\n');
  throw new Error(`tspaasd did not come up:\n${tail}`);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
