/** What both embedded services need: starting detached as a service user, pids, and waiting. */
import { spawn } from 'node:child_process';
import { openSync, closeSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { isAlive } from '../../lib/process.js';
import { tailFile } from '../../lib/fs.js';

/** The command line that runs `cmd args` as `user` (when we are root; otherwise as ourselves), from `/`. */
export function asUser(user: string, cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  return ['runuser', ['-u', user, '--', 'env', '-C', '/', cmd, ...args]];
}

/**
 * Run a command that starts a server and returns (pg_ctl -w start,
 * redis-server --daemonize yes) in its own session, output appended to
 * `logFile`, so the server it leaves behind shares nothing with tspaasd.
 */
export async function runDetached(cmd: string, args: string[], logFile: string): Promise<void> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(unavailable(`cannot run ${cmd}: ${err.message}`, err)));
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    if (code !== 0) throw unavailable(`${path.basename(args.find((a) => a.startsWith('/')) ?? cmd)} failed (exit ${code}): ${await tail(logFile)}`);
  } finally {
    closeSync(fd);
  }
}

/** Make `dir` (and parents) owned by `user` with `mode`, when we are root. */
export async function ownedDir(dir: string, user: string, mode: number): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode });
  await fsp.chmod(dir, mode);
  if (process.getuid?.() === 0) await run('chown', [`${user}:${user}`, dir]);
}

/**
 * Let a service user reach `dir` under `root`: the directories from `root`
 * down to `dir`'s parent (tspaasd's own) get the search bit for others; `root`'s
 * own parents must already be searchable (checked, with a clear error).
 */
export async function openPath(root: string, dir: string, user: string): Promise<void> {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = await fsp.stat(d);
    if ((st.mode & 0o001) === 0) await fsp.chmod(d, (st.mode & 0o7777) | 0o001);
    if (d === root || d === path.dirname(d)) break;
  }
  if (process.getuid?.() !== 0) return;
  const probe = await run('runuser', ['-u', user, '--', 'test', '-x', path.dirname(dir)], { allowFailure: true });
  if (probe.code !== 0) throw unavailable(`the ${user} user cannot reach ${dir}: make the directories above ${root} searchable (chmod o+x)`);
}



/** Wait until `pid` is gone; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; isAlive(pid);) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The last lines of a log file, for error messages. */
export const tail = (file: string, lines = 10): Promise<string> => tailFile(file, lines);
