/**
 * `exec`: a second process in a running container, run by conmon in exec
 * mode so it gets the same stdio handling (pty, attach socket, resize) as the
 * container's main process. Exec sessions live in memory: they end with the
 * process, and the engine forgets them when it restarts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, invalid, notFound, TspaasError } from '../../lib/errors.js';
import type { Attachment } from '../types.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, logPolicyOf } from './context.js';
import { launchMonitor } from './monitor.js';
import { SocketAttachment } from './attach.js';
import { resolveUser } from './user.js';
import { mergeEnv } from './env.js';
import { resizeTerminal } from './resize.js';
import { parseDetachKeys } from './detach-keys.js';
import type { Container, ExecOptions, ExecState } from './types.js';

interface ExecSession extends ExecState {
  dir: string;
}

/** Exec sessions of one engine. */
export class Execs {
  private sessions = new Map<string, ExecSession>();

  /** Register an exec; nothing runs until `start`. Its user and detach keys are checked now, as Docker does. */
  async create(ctx: ContainerContext, c: Container, opts: ExecOptions, dir: string): Promise<string> {
    if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
    parseDetachKeys(opts.detachKeys, 'escape keys');
    if (opts.user) await resolveUser(pathsOf(ctx, c.record.id).rootfs, opts.user);
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

/**
 * Run an exec session; with attach, returns its stdio (connected before the process runs, so that no output is
 * lost however fast the process). A process that cannot start gets Docker's exit code (see `startFailure`).
 */
export async function startExec(ctx: ContainerContext, c: Container, s: ExecSession, detach: boolean): Promise<Attachment | null> {
  if (s.running || s.exitCode !== null) throw conflict(`Error: Exec command ${s.id} has already run`);
  if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
  s.running = true;
  try {
    return await launchExec(ctx, c, s, detach);
  } catch (err) {
    s.running = false;
    const failure = startFailure(err);
    s.exitCode = failure.exitCode;
    void fsp.rm(s.dir, { recursive: true, force: true });
    throw failure;
  }
}

async function launchExec(ctx: ContainerContext, c: Container, s: ExecSession, detach: boolean): Promise<Attachment | null> {
  const o = s.options;
  await fsp.mkdir(s.dir, { recursive: true });
  const specFile = path.join(s.dir, 'process.json');
  await fsp.writeFile(specFile, JSON.stringify(await processSpec(ctx, c, o)));
  const tty = !!o.tty;
  const att = detach ? null : new SocketAttachment({
    stdin: !!o.attachStdin, stdout: o.attachStdout !== false, stderr: o.attachStderr !== false, tty, detachKeys: parseDetachKeys(o.detachKeys, 'escape keys'),
  });
  const rt = runtimeOf(ctx, c);
  const launched = await launchMonitor({
    containerId: c.record.id, sessionId: s.id, name: c.record.name, runtimePath: rt.path, runtimeRoot: rt.root,
    bundle: s.dir, pidFile: path.join(s.dir, 'pid'), exitDir: s.dir, logPath: path.join(s.dir, 'log'), logSizeMax: logPolicyOf(ctx, c).maxSize,
    tty, stdin: !!o.attachStdin, execProcessSpec: specFile,
    beforeStart: att ? () => att.connect(path.join(s.dir, 'attach')) : undefined,
  }).catch((err: unknown) => { att?.finish(); throw err; });
  s.pid = launched.pid;
  const recorded = launched.exitCode!.then((code) => { s.exitCode = code; }, () => { s.exitCode = 126; }).finally(() => {
    s.running = false;
    void fsp.rm(s.dir, { recursive: true, force: true });
  });
  // Clients read the exit code as soon as the stream ends (docker exec does): record it first.
  att?.holdEndUntil(recorded);
  return att;
}

/**
 * Docker's exit code for an exec that could not start: moby's setExitCodeFromError on what the runtime said
 * (since moby c866a7e, Docker 28, `docker exec c missing-binary` is 127; before, every failure was 126, which
 * docker-py 5.0.3's test_exec_run_failed still expects and moby's CI deselects). A failure before the runtime
 * ran (an unknown user) is 126, moby's default. The error keeps its kind, or becomes `Invalid`.
 */
function startFailure(err: unknown): Error & { exitCode: number } {
  const message = (err as Error).message ?? String(err);
  const fromRuntime = typeof (err as { exitCode?: unknown }).exitCode === 'number';
  const exitCode = fromRuntime ? runtimeExitCode(message) : 126;
  return Object.assign(err instanceof TspaasError ? err : invalid(message, err), { exitCode });
}

/** moby's setExitCodeFromError: 126 cannot be invoked, 127 not found (or not a directory), 128 anything else. */
function runtimeExitCode(message: string): number {
  const m = message.toLowerCase();
  // crun says `open executable: Operation not permitted` where runc says "is a directory".
  if (m.includes('permission denied') || m.includes('is a directory') || m.includes('open executable: operation not permitted')) return 126;
  if (m.includes('not a directory')) return 127;
  if (/executable file not found|no such file or directory|failed to run runc create\/exec call/.test(m)) return 127;
  return 128;
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
