/**
 * Running commands in containers through the engine, line by line, under a
 * deadline: the one place buildpacks/ talks to containers' stdio.
 */
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { Engine } from '../runtime/types.js';
import type { CreateOptions } from '../runtime/containers/types.js';
import { splitLines } from './lines.js';

/** Output of a command, one line at a time, with the stream it came from. */
export type OnLine = (line: string, stream: 'stdout' | 'stderr') => void;

/** How a command ended. */
export interface CommandResult {
  exitCode: number;
  /** True when the deadline passed and the container was killed. */
  timedOut: boolean;
}

/** A point in time (ms since epoch) after which the container is killed. */
export type Deadline = number;

/** Create and run a container to its end, relaying its output as lines; killed at `deadline`. */
export async function runContainer(engine: Engine, opts: CreateOptions, onLine: OnLine, deadline: Deadline): Promise<CommandResult & { id: string }> {
  const c = await engine.createContainer(opts);
  const id = c.record.id;
  const att = await engine.attachContainer(id, { stdout: true, stderr: true, stream: true });
  const ended = relayLines(att, onLine);
  const exited = engine.waitContainer(id, 'next-exit');
  await engine.startContainer(id);
  const timer = killAt(deadline, () => engine.killContainer(id, 'KILL'));
  try {
    const { exitCode } = await exited;
    await ended;
    return { id, exitCode, timedOut: timer.fired };
  } finally {
    timer.cancel();
  }
}

/** Run `cmd` in a running container as an exec; output as lines; the container is killed at `deadline`. */
export async function execLines(engine: Engine, id: string, cmd: string[], onLine: OnLine, deadline: Deadline, env: string[] = []): Promise<CommandResult> {
  const execId = await engine.createExec(id, { cmd, env, attachStdout: true, attachStderr: true });
  const att = await engine.startExec(execId, {});
  const timer = killAt(deadline, () => engine.killContainer(id, 'KILL'));
  try {
    if (att) await relayLines(att, onLine);
    const state = await waitExec(engine, execId);
    return { exitCode: state ?? 137, timedOut: timer.fired };
  } finally {
    timer.cancel();
  }
}

/** Run `cmd` as an exec and hand its raw stdout out as a stream (stderr goes to `onStderr`). */
export async function execStdout(engine: Engine, id: string, cmd: string[], onStderr: OnLine): Promise<{ stdout: Readable; done: Promise<number> }> {
  const execId = await engine.createExec(id, { cmd, attachStdout: true, attachStderr: true });
  const att = await engine.startExec(execId, {});
  const stdout = new PassThrough();
  const err = splitLines((l) => onStderr(l, 'stderr'));
  if (!att) { stdout.end(); return { stdout, done: waitExec(engine, execId).then((c) => c ?? 1) }; }
  att.onOutput((s, d) => { if (s === 'stdout') stdout.write(d); else err.push(d); });
  const done = new Promise<void>((r) => att.onEnd(r)).then(async () => {
    err.flush();
    stdout.end();
    return (await waitExec(engine, execId)) ?? 1;
  });
  return { stdout, done };
}

/** Relay an attachment's output as lines until it ends. */
function relayLines(att: { onOutput(cb: (s: 'stdout' | 'stderr', d: Buffer) => void): void; onEnd(cb: () => void): void }, onLine: OnLine): Promise<void> {
  const out = splitLines((l) => onLine(l, 'stdout'));
  const err = splitLines((l) => onLine(l, 'stderr'));
  att.onOutput((s, d) => (s === 'stdout' ? out : err).push(d));
  return new Promise((resolve) => att.onEnd(() => { out.flush(); err.flush(); resolve(); }));
}

/** The exec's exit code once recorded (the engine records it before ending the stream). */
async function waitExec(engine: Engine, execId: string): Promise<number | null> {
  for (let i = 0; i < 300; i++) {
    const s = await engine.inspectExec(execId);
    if (!s.running && s.exitCode !== null) return s.exitCode;
    await new Promise((r) => setTimeout(r, Math.min(10 + i * 5, 200)));
  }
  return null;
}

/** A timer that runs `kill` at `deadline` once; `fired` tells whether it did. */
function killAt(deadline: Deadline, kill: () => Promise<unknown>): { readonly fired: boolean; cancel(): void } {
  let fired = false;
  const t = setTimeout(() => { fired = true; void kill().catch(() => undefined); }, Math.max(0, deadline - Date.now()));
  return { get fired() { return fired; }, cancel: () => clearTimeout(t) };
}
