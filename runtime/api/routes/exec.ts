/** Exec: create, start (hijacked unless detached), resize, inspect. */
import { conflict } from '../../../lib/errors.js';
import type { ApiCall, Route } from '../api-call.js';
import { readJson } from '../http/body.js';
import { sendJson, sendStatus, terminalSize } from '../http/reply.js';
import { execInspectJson, toExecOptions } from '../docker/exec-json.js';
import { RAW_STREAM, outputEncoder, streamContentType } from '../streams/framing.js';
import { afterHead, hijack } from '../streams/hijack.js';
import { relayAttachment } from '../streams/relay.js';
import type { ExecConfig, ExecStartConfig, IdResponse } from '../docker/types.js';

async function create(call: ApiCall): Promise<void> {
  const id = await call.ctx.engine.createExec(call.params.id!, toExecOptions(await readJson<ExecConfig>(call)));
  sendJson(call.res, 201, { Id: id } satisfies IdResponse);
}

/**
 * As in Docker (moby postContainerExecStart): the reply (101 or 200) is flushed before the process starts (with
 * a gap, see `afterHead`), and a process that cannot start is reported in the stream, its exit code (126/127) in
 * the exec's inspect.
 */
async function start(call: ApiCall): Promise<void> {
  const body = (await readJson<ExecStartConfig>(call)) ?? {};
  const { engine } = call.ctx;
  const id = call.params.id!;
  const state = await engine.inspectExec(id);
  if (state.running || state.exitCode !== null) throw conflict(`Error: Exec command ${state.id} has already run`);
  if (body.Detach) {
    await engine.startExec(id, { detach: true });
    return sendStatus(call.res, 200);
  }
  // The process has a terminal when the exec was created with Tty; the start's Tty only chooses the stream's
  // framing, raw or multiplexed (docker-py starts with Tty false).
  const terminal = state.options.tty ?? false;
  const multiplexed = !(body.Tty ?? terminal);
  const socket = hijack(call, call.upgrade ? streamContentType(call.apiVersion, multiplexed) : RAW_STREAM);
  socket.pause(); // stdin waits for the process
  await afterHead(socket);
  const att = await engine.startExec(id, {}).catch((err: Error) => {
    if (!socket.destroyed) socket.end(outputEncoder(multiplexed)('stdout', Buffer.from(`OCI runtime exec failed: ${err.message.trim()}\r\n`)));
    return null;
  });
  if (!att) return;
  const [h, w] = body.ConsoleSize ?? [0, 0];
  if (terminal && h > 0 && w > 0) await engine.resizeExec(id, h, w).catch(() => {});
  // The engine ends an exec's stream only once its exit code is recorded (docker exec reads it right after).
  relayAttachment(att, socket, multiplexed);
}

async function resize(call: ApiCall): Promise<void> {
  const { h, w } = terminalSize(call.query);
  await call.ctx.engine.resizeExec(call.params.id!, h, w);
  sendStatus(call.res, 200);
}

async function inspect(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, execInspectJson(await call.ctx.engine.inspectExec(call.params.id!)));
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handler: create },
  { method: 'POST', path: '/exec/:id/start', handler: start },
  { method: 'POST', path: '/exec/:id/resize', handler: resize },
  { method: 'GET', path: '/exec/:id/json', handler: inspect },
];
