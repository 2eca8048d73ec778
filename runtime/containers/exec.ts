/**
 * `exec`: a second process in a running container, run by conmon in exec
 * mode so it gets the same stdio handling (pty, attach socket, resize) as the
 * container's main process. Exec sessions live in memory: they end with the
 * process, and the engine forgets them when it restarts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, notFound } from '../../lib/errors.js';
import type { Attachment } from '../types.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, logPolicyOf } from './context.js';
import { launchMonitor } from './monitor.js';
import { SocketAttachment } from './attach.js';
import { resolveUser } from './user.js';
import { mergeEnv } from './env.js';
import { resizeTerminal } from './resize.js';
import type { Container, ExecOptions, ExecState } from './types.js';

interface ExecSession extends ExecState {
  dir: string;
}

/** Exec sessions of one engine. */
export class Execs {
  private sessions = new Map<string, ExecSession>();

  /** Register an exec; nothing runs until `start`. */
  create(c: Container, opts: ExecOptions, dir: string): string {
    if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
    const id = randomBytes(32).toString('hex');
    this.sessions.set(id, { id, containerId: c.record.id, options: opts, running: false, exitCode: null, pid: 0, dir: path.join(dir, id) });
    return id;
  }

  /** One session; `NotFound` for unknown IDs. */
  get(id: string): ExecSession {
    const s = this.sessions.get(id);
    if (!s) throw notFound(`No such exec instance: ${id}`);
    return s;
  }
}

/** Run an exec session; with attach, returns its stdio (connected before the process runs). */
export async function startExec(ctx: ContainerContext, c: Container, s: ExecSession, detach: boolean): Promise<Attachment | null> {
  if (s.running || s.exitCode !== null) throw conflict(`Error: Exec command ${s.id} has already run`);
  if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
  const o = s.options;
  await fsp.mkdir(s.dir, { recursive: true });
  const specFile = path.join(s.dir, 'process.json');
  await fsp.writeFile(specFile, JSON.stringify(await processSpec(ctx, c, o)));
  const att = detach ? null : new SocketAttachment({ stdin: !!o.attachStdin, stdout: o.attachStdout !== false, stderr: o.attachStderr !== false, tty: !!o.tty });
  const rt = runtimeOf(ctx, c);
  s.running = true;
  const launched = await launchMonitor({
    containerId: c.record.id, sessionId: s.id, name: c.record.name, runtimePath: rt.path, runtimeRoot: rt.root,
    bundle: s.dir, pidFile: path.join(s.dir, 'pid'), exitDir: s.dir, logPath: path.join(s.dir, 'log'), logSizeMax: logPolicyOf(ctx, c).maxSize,
    tty: !!o.tty, stdin: !!o.attachStdin, execProcessSpec: specFile,
    beforeStart: att ? () => att.connect(path.join(s.dir, 'attach')) : undefined,
  }).catch((err) => { s.running = false; s.exitCode = (err as { exitCode?: number }).exitCode ?? 126; throw err; });
  s.pid = launched.pid;
  const recorded = launched.exitCode!.then((code) => { s.exitCode = code; }, () => { s.exitCode = 126; }).finally(() => {
    s.running = false;
    void fsp.rm(s.dir, { recursive: true, force: true });
  });
  // Clients read the exit code as soon as the stream ends (docker exec does): record it first.
  att?.holdEndUntil(recorded);
  return att;
}

/** Resize an exec's terminal. */
export async function resizeExec(s: ExecSession, rows: number, cols: number): Promise<void> {
  if (!s.running) throw conflict(`Exec ${s.id} is not running`);
  await resizeTerminal(path.join(s.dir, 'winsz'), rows, cols);
}

/** The exec's OCI process: the container's process settings with the exec's command, env, user and cwd. */
async function processSpec(ctx: ContainerContext, c: Container, o: ExecOptions): Promise<object> {
  const p = pathsOf(ctx, c.record.id);
  const spec = JSON.parse(await fsp.readFile(p.specFile, 'utf8')) as { process: Record<string, unknown> & { env: string[]; capabilities?: unknown } };
  const user = o.user ? await resolveUser(p.rootfs, o.user) : null;
  return {
    ...spec.process,
    terminal: !!o.tty,
    args: o.cmd,
    env: mergeEnv(spec.process.env, o.env ?? []),
    cwd: o.workingDir || spec.process.cwd,
    ...(user ? { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } } : {}),
  };
}
