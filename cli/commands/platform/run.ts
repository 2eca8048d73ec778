/**
 * `tspaas run [-d] [--size PLAN|1G] [-e K=V] CMD…`: a one-off process of the
 * current release. Interactive runs speak the RunMessage protocol over the
 * WebSocket `GET …/run` (platform/api/types.ts): the local terminal goes raw
 * when both ends are terminals, its size follows SIGWINCH, and the CLI exits
 * with the remote exit code. `--detach` starts it (POST …/run) and returns.
 * Options of tspaas are recognised anywhere; put `--` before a command whose
 * own options clash with them (`tspaas run -- ls -a`).
 */
import type { Command } from 'commander';
import type WebSocket from 'ws';
import type { RunDetached, RunMessage, RunStarted } from '../../../platform/api/types.js';
import type { App, CliContext } from '../../context.js';
import { collect } from '../../filters.js';
import { PlatformError } from '../../platform-client.js';
import { followTerminalSize, withRawTerminal } from '../../stdio.js';
import { parsePairs, platformAction, target, withApp } from './shared.js';

interface RunOpts { app?: string; detach?: boolean; size?: string; env?: string[]; tty: boolean }

/** Add `run`. */
export function register(program: Command, app: App): void {
  withApp(program.command('run').description('Run a one-off process in a new container of the current release').argument('<command...>'))
    .option('-d, --detach', 'start it in the background and return (its output goes to `tspaas logs`)')
    .option('-s, --size <size>', 'a plan (see `tspaas plans`), e.g. standard-1x, or memory, e.g. 1G')
    .option('-e, --env <NAME=value>', 'extra config var for this run (repeatable)', collect)
    .option('--no-tty', 'no pseudo-terminal even when this is a terminal')
    .allowUnknownOption()
    .action(platformAction(app, async (ctx, command: string[], opts: RunOpts) => {
      const { api, app: name, base } = await target(ctx, opts);
      const env = opts.env ? parsePairs(opts.env, 'NAME=value') : undefined;
      if (opts.detach) {
        const body: RunDetached = { command, ...(env ? { env } : {}), ...(opts.size ? { size: opts.size } : {}) };
        const started = await api.json<RunStarted>('POST', `${base}/run`, body);
        return ctx.print(started, `Running \`${command.join(' ')}\` on ${name} detached as ${started.name}`);
      }
      const tty = opts.tty && !!ctx.io.stdin.isTTY && !!ctx.io.stdout.isTTY;
      const ws = await api.openSocket(`${base}/run`);
      const start: RunMessage = { type: 'start', command, tty, ...(env ? { env } : {}), ...(opts.size ? { size: opts.size } : {}), ...terminalSize(ctx, tty) };
      ws.send(JSON.stringify(start));
      return withRawTerminal(ctx.io, tty, () => session(ctx, ws, { tty, label: `\`${command.join(' ')}\` on ${name}` }));
    }));
}

function terminalSize(ctx: CliContext, tty: boolean): { rows?: number; cols?: number } {
  return tty ? { rows: ctx.io.stdout.rows, cols: ctx.io.stdout.columns } : {};
}

/** Relay one run until the server closes: resolves with the remote exit code. */
export function session(ctx: CliContext, ws: WebSocket, opts: { tty: boolean; label: string }): Promise<number> {
  const { stdin, stdout, stderr } = ctx.io;
  let exitCode: number | undefined;
  let failure: string | undefined;
  let stopResize = () => {};
  const onInput = (chunk: Buffer) => ws.send(chunk, { binary: true });
  const onEnd = () => send(ws, { type: 'eof' });
  const begin = (name: string) => {
    if (!ctx.json) stderr.write(`Running ${opts.label}: ${name}\n`);
    stdin.on('data', onInput).on('end', onEnd).resume();
    stopResize = opts.tty ? followTerminalSize(ctx.io, async (rows, cols) => send(ws, { type: 'resize', rows, cols })) : () => {};
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return void writeOutput(data, opts.tty, stdout, stderr);
    const msg = JSON.parse(data.toString('utf8')) as RunMessage;
    if (msg.type === 'started') begin(msg.name);
    else if (msg.type === 'exit') exitCode = msg.code;
    else if (msg.type === 'error') failure = msg.message;
  });
  return new Promise((resolve, reject) => {
    ws.on('error', (err) => { failure ??= err.message; });
    ws.on('close', () => {
      stdin.off('data', onInput).off('end', onEnd).pause();
      stopResize();
      if (exitCode !== undefined) return resolve(exitCode);
      reject(new PlatformError('Unavailable', failure ?? 'the run ended without an exit code (connection closed)', 'see `tspaas logs` and `tspaas ps`'));
    });
  });
}

/** A binary frame: raw with a tty, else its first byte names the stream (1 stdout, 2 stderr). */
function writeOutput(data: Buffer, tty: boolean, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  if (tty) stdout.write(data);
  else if (data.length > 1) (data[0] === 2 ? stderr : stdout).write(data.subarray(1));
}

function send(ws: WebSocket, msg: RunMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}
