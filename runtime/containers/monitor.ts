/**
 * conmon, the per-container monitor.
 *
 * The engine never parents a container: it launches `conmon`, which
 * double-forks, runs `<runtime> create` (or `exec`), keeps the container's
 * stdio (a pty with -t), writes its output to the k8s-file log, serves an
 * attach socket (SOCK_SEQPACKET, one stream byte + payload per message) and a
 * `winsz` fifo for resizes, and writes the exit code to `<exitDir>/<id>` when
 * the process ends. conmon outlives the engine, which is what lets containers
 * survive engine restarts.
 *
 * Handshake (conmon's env-passed pipes): `_OCI_SYNCPIPE` returns
 * `{"data": pid}` or `{"data": -1, "message": …}` (and, for exec, a second
 * message with the exit code); `_OCI_STARTPIPE` holds conmon until we write;
 * `_OCI_ATTACHPIPE` (exec with attach) tells us the attach socket is ready,
 * after which a second write on the start pipe lets the process run.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { invalid, unavailable } from '../../lib/errors.js';

export interface MonitorOptions {
  /** Container ID (conmon -c). */
  containerId: string;
  /** Session ID (conmon -u): the container ID, or the exec ID. */
  sessionId: string;
  name: string;
  runtimePath: string;
  /** The runtime's state dir (`--root`). */
  runtimeRoot: string;
  /** Bundle dir (config.json; conmon puts `attach`, `ctl`, `winsz` here). */
  bundle: string;
  pidFile: string;
  exitDir: string;
  persistDir?: string;
  logPath: string;
  /** conmon's `--log-size-max`: it starts a new file rather than grow `logPath` past this (log-files.ts). */
  logSizeMax?: number;
  /** `none`: conmon keeps no log. */
  logDriver?: 'k8s-file' | 'none';
  tty: boolean;
  stdin: boolean;
  /**
   * Keep stdin open when an attached client goes away (Docker's StdinOnce=false). Without it conmon closes the
   * process's stdin as soon as any attach connection ends, even one that only read output.
   */
  leaveStdinOpen?: boolean;
  /** Exec mode: the process spec to run inside the running container. */
  execProcessSpec?: string;
  /** Called once the attach socket exists and before the process runs (exec mode only). */
  beforeStart?: () => Promise<void>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface Launched {
  /** PID of the container's (or exec's) process. */
  pid: number;
  /** Exec mode: resolves with the exit code of the exec'd process. */
  exitCode?: Promise<number>;
}

/** Start conmon for a container (runtime create) or an exec session; resolves once the process exists. */
export async function launchMonitor(o: MonitorOptions): Promise<Launched> {
  const exec = o.execProcessSpec !== undefined;
  const child = spawn('conmon', conmonArgs(o), {
    cwd: o.bundle,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', exec ? 'pipe' : 'ignore'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(exec ? { _OCI_ATTACHPIPE: '5' } : {}) },
  });
  child.on('error', () => { /* reported through the sync pipe closing */ });
  child.unref();
  const pipes = child.stdio as unknown as (Readable & Writable)[];
  const sync = messages(pipes[3]);
  const start: Writable = pipes[4];
  start.on('error', () => { /* conmon may exit early; the sync pipe says why */ });
  start.write('0');
  if (exec) {
    const attach = messages(pipes[5]);
    await nextMessage(attach, 'attach socket');
    if (o.beforeStart) await o.beforeStart();
    start.write('1');
  }
  const first = await nextMessage(sync, 'container pid');
  if (first.data < 0) throw runtimeFailure(first.message ?? 'the OCI runtime failed');
  const pid = first.data;
  if (!exec) {
    start.destroy();
    pipes[3].destroy();
    return { pid };
  }
  const exitCode = nextMessage(sync, 'exec exit code').then((m) => m.data).finally(() => start.destroy());
  return { pid, exitCode };
}

/** conmon's command line (as podman builds it). */
function conmonArgs(o: MonitorOptions): string[] {
  const args = [
    '--api-version', '1', '-c', o.containerId, '-u', o.sessionId, '-r', o.runtimePath, '-b', o.bundle,
    '-p', o.pidFile, '-n', o.name, '--exit-dir', o.exitDir, '-l', o.logDriver === 'none' ? 'none' : `k8s-file:${o.logPath}`,
    '--log-level', o.logLevel ?? 'error', '--runtime-arg', `--root=${o.runtimeRoot}`, '--full-attach',
    '--socket-dir-path', o.bundle,
  ];
  if (o.persistDir) args.push('--persist-dir', o.persistDir);
  if (o.logSizeMax !== undefined && o.logDriver !== 'none') args.push('--log-size-max', String(o.logSizeMax));
  if (o.tty) args.push('-t');
  else if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.execProcessSpec !== undefined) args.push('-e', '--exec-process-spec', o.execProcessSpec, '--exec-attach');
  return args;
}

interface SyncMessage { data: number; message?: string }

/** conmon's sync messages: one JSON object per line. */
async function* messages(stream: Readable): AsyncGenerator<SyncMessage> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as SyncMessage;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as SyncMessage;
}

/** The next message, or an error when conmon closed the pipe without one. */
async function nextMessage(it: AsyncGenerator<SyncMessage>, what: string): Promise<SyncMessage> {
  const r = await it.next();
  if (r.done) throw unavailable(`conmon exited before reporting the ${what} (see the engine log)`);
  return r.value;
}

/**
 * The runtime's error as a user would want it: a missing or non-executable
 * command is the user's mistake (`Invalid`, exit 127/126 as Docker reports).
 */
export function runtimeFailure(message: string): Error & { exitCode?: number } {
  const clean = message.replace(/^.*?(?:error|crun|runc)[^:]*:\s*/i, '').trim() || message;
  if (/not found|no such file/i.test(message)) return Object.assign(invalid(`failed to start: ${clean}`), { exitCode: 127 });
  if (/permission denied/i.test(message)) return Object.assign(invalid(`failed to start: ${clean}`), { exitCode: 126 });
  return Object.assign(unavailable(`the OCI runtime failed: ${message}`), { exitCode: 128 });
}
