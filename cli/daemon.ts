/**
 * Starting and stopping a local tspaasd for `tspaas up` / `tspaas down`.
 * The layout under the run root is tspaasd's (platform/config.ts):
 * `engine.sock`, `tspaasd.pid`; `tspaas up` adds `tspaasd.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { isErrno, unavailable } from '../lib/errors.js';
import { EngineClient } from './engine-client.js';

export interface DaemonPaths {
  root: string;
  runRoot: string;
  socketPath: string;
  pidFile: string;
  logFile: string;
}

/** Where tspaasd keeps its socket, pid file and log for a given run root. */
export function daemonPaths(root: string, runRoot: string): DaemonPaths {
  return { root, runRoot, socketPath: path.join(runRoot, 'engine.sock'), pidFile: path.join(runRoot, 'tspaasd.pid'), logFile: path.join(runRoot, 'tspaasd.log') };
}

/** The pid in the pid file when that process is alive. */
export async function runningPid(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** Spawn tspaasd detached, its output appended to the log file; returns the child (already unref'd). */
export async function spawnDaemon(command: string, args: string[], paths: DaemonPaths): Promise<ChildProcess> {
  await fsp.mkdir(paths.runRoot, { recursive: true });
  const log = openSync(paths.logFile, 'a');
  try {
    const child = spawn(command, [...args, '--root', paths.root, '--run-root', paths.runRoot], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** Resolve once the engine answers /_ping; fail early with the log's tail when the child dies. */
export async function waitUntilReady(child: ChildProcess, paths: DaemonPaths, timeoutMs: number): Promise<void> {
  const client = new EngineClient(paths.socketPath);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw unavailable(`tspaasd exited (${child.exitCode ?? child.signalCode}):\n${await logTail(paths.logFile)}`);
    if (await client.ping()) return;
    await sleep(100);
  }
  throw unavailable(`tspaasd did not answer on ${paths.socketPath} within ${timeoutMs / 1000}s; see ${paths.logFile}`);
}

/** SIGTERM the daemon and wait for it to exit. */
export async function stopDaemon(pid: number, timeoutMs: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw unavailable(`tspaasd (pid ${pid}) did not stop within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

async function logTail(file: string, lines = 20): Promise<string> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
