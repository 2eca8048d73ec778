/** Steps shared by run, create, start -a and attach: create (pulling a missing base image), attach and relay. */
import { readFileSync } from 'node:fs';
import { isKind, TspaasError } from '../../../lib/errors.js';
import { seg, type CliContext } from '../../context.js';
import { readJson } from '../../engine-client.js';
import type { ContainerCreateResponse, ContainerWaitResponse } from '../../../runtime/api/docker/types.js';
import type { CreateRequest, ParseEnv } from '../../run-options.js';
import { followTerminalSize, proxySignals, relay, withRawTerminal } from '../../stdio.js';

/** POST /containers/create; on "No such image" pull the image (with progress) and try once more. Returns the ID. */
export async function createContainer(ctx: CliContext, req: CreateRequest): Promise<string> {
  const create = () => ctx.engine.json<ContainerCreateResponse>('POST', '/containers/create', { query: { name: req.name }, body: req.body });
  let res;
  try {
    res = await create();
  } catch (err) {
    if (!isKind(err, 'NotFound') || !/no such image/i.test((err as TspaasError).message)) throw err;
    ctx.io.stderr.write(`Unable to find image '${String(req.body.Image)}' locally\n`);
    const { pullImage } = await import('../image/pull.js'); // only then: run/create start without pull's credentials and progress
    await pullImage(ctx, String(req.body.Image));
    res = await create();
  }
  for (const w of res.Warnings ?? []) ctx.io.stderr.write(`WARNING: ${w}\n`);
  return res.Id;
}

export interface SessionOptions {
  tty: boolean;
  /** Attach the local stdin. */
  stdin: boolean;
  /** Start the container once attached (run, start -a). */
  start: boolean;
  /** Wait condition for the exit code: `removed` for auto-removed containers. */
  condition: 'next-exit' | 'removed' | 'not-running';
}

/**
 * Docker's attached run: hijack the attach stream, register the wait, start,
 * follow the terminal size, relay stdio until the output ends. Returns the
 * container's exit code.
 */
export async function attachSession(ctx: CliContext, id: string, opts: SessionOptions): Promise<number> {
  const path = `/containers/${seg(id)}`;
  const conn = await ctx.engine.hijack('POST', `${path}/attach`, { query: { stream: true, stdin: opts.stdin, stdout: true, stderr: true } });
  // The engine answers with headers once the wait is registered, so the exit cannot be missed after start.
  const waiting = await ctx.engine.stream('POST', `${path}/wait`, { query: { condition: opts.condition } });
  const exit = readJson<ContainerWaitResponse>(waiting);
  exit.catch(() => { /* awaited below */ });
  return withRawTerminal(ctx.io, opts.tty && opts.stdin, async () => {
    if (opts.start) await ctx.engine.json('POST', `${path}/start`);
    const stopResize = opts.tty ? followTerminalSize(ctx.io, (h, w) => ctx.engine.json('POST', `${path}/resize`, { query: { h, w } })) : () => {};
    const stopSignals = opts.tty ? () => {} : proxySignals((signal) => ctx.engine.json('POST', `${path}/kill`, { query: { signal } }));
    try {
      await relay(conn, ctx.io, opts);
      const res = await exit;
      if (res.Error?.Message) ctx.io.stderr.write(`tspaas: ${res.Error.Message}\n`);
      return res.StatusCode;
    } finally {
      stopResize();
      stopSignals();
    }
  });
}

/** What flag parsing needs from the CLI's surroundings. */
export function parseEnvOf(ctx: CliContext): ParseEnv {
  return { cwd: ctx.config.cwd, env: ctx.config.env, readFile: (f) => readFileSync(f, 'utf8') };
}
