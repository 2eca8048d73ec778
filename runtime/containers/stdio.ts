/** Logs and attachments of a container's main process. */
import { conflict, invalid } from '../../lib/errors.js';
import type { Attachment } from '../types.js';
import type { ContainerContext } from './context.js';
import { pathsOf, logPolicyOf } from './context.js';
import { SocketAttachment } from './attach.js';
import { readLog } from './logs.js';
import { resizeTerminal } from './resize.js';
import { parseDetachKeys } from './detach-keys.js';
import type { Container, LogLine, LogOptions } from './types.js';

/** The container's log lines; following ends when the container is no longer running. */
export function containerLogs(ctx: ContainerContext, c: Container, o: LogOptions): AsyncIterable<LogLine> {
  const isDone = () => c.state.status !== 'running' && c.state.status !== 'paused' && c.state.status !== 'restarting';
  const policy = logPolicyOf(ctx, c);
  if (policy.driver === 'none') throw invalid('configured logging driver does not support reading (the container\'s log driver is "none")');
  return readLog(pathsOf(ctx, c.record.id).log, policy.maxFile, o, isDone);
}

/** What `attachContainer` attaches: the streams, the log so far, the live stream, the detach keys (Docker's format). */
export interface AttachOptions { stdin?: boolean; stdout?: boolean; stderr?: boolean; logs?: boolean; stream?: boolean; detachKeys?: string }

/**
 * Attach to the main process's stdio. Before start the attachment waits
 * and is connected by `start`; while running it connects now.
 */
export async function attachContainer(ctx: ContainerContext, c: Container, o: AttachOptions): Promise<Attachment> {
  const id = c.record.id;
  // As dockerd: a paused container's streams would hang, so attach is refused (409) until unpause.
  if (c.state.status === 'paused') throw conflict(`container ${c.record.name} is paused, unpause the container before attach`);
  const detachKeys = parseDetachKeys(o.detachKeys);
  const wants = { stdin: !!o.stdin && c.record.config.OpenStdin, stdout: o.stdout !== false, stderr: o.stderr !== false, tty: c.record.config.Tty, detachKeys };
  let set = ctx.attachments.get(id);
  if (!set) ctx.attachments.set(id, (set = new Set()));
  const att = new SocketAttachment(wants, (a) => set!.delete(a));
  if (o.logs && logPolicyOf(ctx, c).driver !== 'none') {
    for await (const l of containerLogs(ctx, c, { follow: false })) att.replay(l.stream, l.data);
  }
  if (o.stream === false) {
    att.finish();
    return att;
  }
  set.add(att);
  if (c.state.status === 'running') {
    await att.connect(pathsOf(ctx, id).attachSocket).catch(() => att.finish());
  }
  // Otherwise the attachment waits: `start` connects it (docker run attaches before it starts).
  return att;
}

/** Resize the main process's terminal. */
export async function resizeContainer(ctx: ContainerContext, c: Container, rows: number, cols: number): Promise<void> {
  if (c.state.status !== 'running') throw conflict(`Container ${c.record.id} is not running`);
  if (!c.record.config.Tty) return;
  await resizeTerminal(pathsOf(ctx, c.record.id).winsz, rows, cols);
}
