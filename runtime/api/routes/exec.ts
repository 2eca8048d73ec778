/** Exec: create, start (hijacked unless detached), resize, inspect. */
import { invalid } from '../../../lib/errors.js';
import type { Exchange, Route } from '../exchange.js';
import { readJson } from '../http/body.js';
import { intParam, sendJson, sendStatus } from '../http/reply.js';
import { execInspectJson, toExecOptions, type DockerExecBody } from '../docker/exec-json.js';
import { RAW_STREAM, streamContentType } from '../streams/framing.js';
import { hijack } from '../streams/hijack.js';
import { relayAttachment } from '../streams/relay.js';


interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

async function create(ex: Exchange): Promise<void> {
  const id = await ex.ctx.engine.createExec(ex.params.id!, toExecOptions(await readJson<DockerExecBody>(ex)));
  sendJson(ex.res, 201, { Id: id });
}

async function start(ex: Exchange): Promise<void> {
  const body = (await readJson<ExecStartBody>(ex)) ?? {};
  const { engine } = ex.ctx;
  // As in Docker (moby postContainerExecStart): the process has a terminal when the exec was created with Tty;
  // the start's Tty only chooses the stream's framing, raw or multiplexed (docker-py starts with Tty false).
  const terminal = (await engine.inspectExec(ex.params.id!)).options.tty ?? false;
  const att = await engine.startExec(ex.params.id!, { detach: body.Detach ?? false });
  if (!att) return sendStatus(ex.res, 200);
  const [h, w] = body.ConsoleSize ?? [0, 0];
  if (terminal && h > 0 && w > 0) await engine.resizeExec(ex.params.id!, h, w).catch(() => {});
  const multiplexed = !(body.Tty ?? terminal);
  const type = ex.upgrade ? streamContentType(ex.apiVersion, multiplexed) : RAW_STREAM;
  // The engine ends an exec's stream only once its exit code is recorded (docker exec reads it right after).
  relayAttachment(att, hijack(ex, type), multiplexed);
}

async function resize(ex: Exchange): Promise<void> {
  const h = intParam(ex.query, 'h');
  const w = intParam(ex.query, 'w');
  if (h === undefined || w === undefined) throw invalid('resize needs both "h" and "w"');
  await ex.ctx.engine.resizeExec(ex.params.id!, h, w);
  sendStatus(ex.res, 200);
}

async function inspect(ex: Exchange): Promise<void> {
  sendJson(ex.res, 200, execInspectJson(await ex.ctx.engine.inspectExec(ex.params.id!)));
}

export const execRoutes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handler: create },
  { method: 'POST', path: '/exec/:id/start', handler: start },
  { method: 'POST', path: '/exec/:id/resize', handler: resize },
  { method: 'GET', path: '/exec/:id/json', handler: inspect },
];
