/**
 * Starting and stopping a local tspaasd and tspaas-router for `tspaas up` /
 * `tspaas down`. The files under the run root are the contract shared with
 * tspaasd (lib/run-files.ts); pid files are read with lib/process.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { unavailable } from '../lib/errors.js';
import { pidExists } from '../lib/process.js';
import { tailFile } from '../lib/fs.js';
import { runFiles, type PlatformInfo, type RunFiles } from '../lib/run-files.js';
import { EngineClient } from './engine-client.js';

/** The run files, and the data root tspaasd is started with. */
export interface DaemonPaths extends RunFiles {
  root: string;
}

/** Where tspaasd and the router keep their socket, pid files and logs for a given run root. */
export function daemonPaths(root: string, runRoot: string): DaemonPaths {
  return { root, ...runFiles(runRoot) };
}

/** The router's entry point beside tspaasd's (`…/platform/main.js` → `…/router/main.js`; .ts from the sources). */
export function routerArgs(daemonArgs: string[]): string[] {
  const script = daemonArgs[daemonArgs.length - 1]!;
  return [...daemonArgs.slice(0, -1), path.join(path.dirname(path.dirname(script)), 'router', path.basename(script))];
}

/** Spawn tspaasd detached, its output appended to the log file; returns the child (already unref'd). */
export async function spawnDaemon(command: string, args: string[], paths: DaemonPaths): Promise<ChildProcess> {
  return spawnDetached(command, [...args, '--root', paths.root, '--run-root', paths.runRoot], paths.runRoot, paths.logFile);
}

/** Spawn tspaas-router detached, log appended to its log file, pid in its pid file. */
export async function spawnRouter(command: string, args: string[], paths: DaemonPaths): Promise<ChildProcess> {
  const child = await spawnDetached(command, args, paths.runRoot, paths.routerLogFile);
  await fsp.writeFile(paths.routerPidFile, `${child.pid}\n`);
  return child;
}

async function spawnDetached(command: string, args: string[], runRoot: string, logFile: string): Promise<ChildProcess> {
  await fsp.mkdir(runRoot, { recursive: true });
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/**
 * Resolve once tspaasd is ready: the engine answers /_ping and, unless
 * `engineOnly`, the platform published platform.json with the child's pid.
 * Fails early with the log's tail when the child dies.
 */
export async function waitUntilReady(child: ChildProcess, paths: DaemonPaths, timeoutMs: number, engineOnly = true): Promise<PlatformInfo | null> {
  const client = new EngineClient(paths.socketPath);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw unavailable(`tspaasd exited (${child.exitCode ?? child.signalCode}):\n${await logTail(paths.logFile)}`);
    const info = engineOnly ? null : await readPlatformInfo(paths);
    if ((engineOnly || info?.pid === child.pid) && await client.ping()) return info;
    await sleep(100);
  }
  throw unavailable(`tspaasd did not get ready within ${timeoutMs / 1000}s; see ${paths.logFile}`);
}

/** <run>/platform.json, or null when tspaasd has not published it (not running, or --engine-only). */
export async function readPlatformInfo(paths: DaemonPaths): Promise<PlatformInfo | null> {
  const text = await fsp.readFile(paths.platformFile, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as PlatformInfo;
  } catch {
    return null; // being written
  }
}

/** The first start's admin token, removed from disk as it is read (it is shown once). */
export async function takeAdminToken(paths: DaemonPaths): Promise<string | null> {
  const token = await fsp.readFile(paths.adminTokenFile, 'utf8').catch(() => null);
  if (token === null) return null;
  await fsp.rm(paths.adminTokenFile, { force: true });
  return token.trim();
}

/** Resolve once something accepts TCP connections on 127.0.0.1:`port`; fail early when the child dies. */
export async function waitForPort(child: ChildProcess, port: number, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw unavailable(`tspaas-router exited (${child.exitCode ?? child.signalCode}):\n${await logTail(logFile)}`);
    if (await accepts(port)) return;
    await sleep(100);
  }
  throw unavailable(`tspaas-router did not listen on port ${port} within ${timeoutMs / 1000}s; see ${logFile}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** SIGTERM a daemon (`name` for messages) and wait for it to exit. */
export async function stopDaemon(pid: number, timeoutMs: number, name = 'tspaasd'): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidExists(pid)) {
    if (Date.now() > deadline) throw unavailable(`${name} (pid ${pid}) did not stop within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

const logTail = (file: string): Promise<string> => tailFile(file, 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
