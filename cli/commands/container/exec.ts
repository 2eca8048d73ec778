/** `container exec`: run a command in a running container; exits with its code. */
import type { Command } from 'commander';
import type { ExecInspectResponse, IdResponse } from '../../../runtime/api/docker/types.js';
import { invalid } from '../../../lib/errors.js';
import { seg, type App, type CliContext } from '../../context.js';
import { collect } from '../../filters.js';
import { parseEnv } from '../../run-options.js';
import { followTerminalSize, relay, withRawTerminal } from '../../stdio.js';
import { parseEnvOf } from './shared.js';

interface ExecFlags { detach?: boolean; interactive?: boolean; tty?: boolean; env?: string[]; envFile?: string[]; workdir?: string; user?: string; privileged?: boolean }

export function register(parent: Command, app: App): void {
  parent.command('exec').description('Execute a command in a running container')
    .passThroughOptions()
    .argument('<container>').argument('<command...>')
    .option('-d, --detach', 'run the command in the background')
    .option('-i, --interactive', 'keep stdin open and attach it').option('-t, --tty', 'allocate a pseudo-terminal')
    .option('-e, --env <name=value>', 'set an environment variable (repeatable)', collect)
    .option('--env-file <file>', 'read environment variables from a file', collect)
    .option('-w, --workdir <dir>', 'working directory').option('-u, --user <user[:group]>', 'user to run as')
    .option('--privileged', 'give extended privileges to the command')
    .action(app.action(async (ctx, ref: string, cmd: string[], f: ExecFlags) => {
      if (f.interactive && f.tty && !ctx.io.stdin.isTTY && !f.detach) throw invalid('the input device is not a TTY');
      const tty = !!f.tty;
      const size = tty && ctx.io.stdout.isTTY ? [ctx.io.stdout.rows, ctx.io.stdout.columns] : undefined;
      const { Id: id } = await ctx.engine.json<IdResponse>('POST', `/containers/${seg(ref)}/exec`, { body: {
        Cmd: cmd, Tty: tty, AttachStdin: !!f.interactive && !f.detach, AttachStdout: !f.detach, AttachStderr: !f.detach,
        Env: parseEnv(f.env ?? [], f.envFile ?? [], parseEnvOf(ctx)), WorkingDir: f.workdir, User: f.user, Privileged: !!f.privileged, ConsoleSize: size,
      } });
      const start = { Detach: !!f.detach, Tty: tty, ConsoleSize: size };
      if (f.detach) return void (await ctx.engine.json('POST', `/exec/${seg(id)}/start`, { body: start }));
      return execSession(ctx, id, start, !!f.interactive);
    }));
}

/** Start the exec hijacked, relay stdio (raw terminal and size with a tty); returns its exit code. */
async function execSession(ctx: CliContext, id: string, start: { Tty: boolean }, stdin: boolean): Promise<number> {
  const conn = await ctx.engine.hijack('POST', `/exec/${seg(id)}/start`, { body: start });
  await withRawTerminal(ctx.io, start.Tty && stdin, async () => {
    const stop = start.Tty ? followTerminalSize(ctx.io, (h, w) => ctx.engine.json('POST', `/exec/${seg(id)}/resize`, { query: { h, w } })) : () => {};
    try { await relay(conn, ctx.io, { tty: start.Tty, stdin }); } finally { stop(); }
  });
  return execExitCode(ctx, id);
}

/** The exec's exit code; the engine may record it a moment after the stream ended. */
async function execExitCode(ctx: CliContext, id: string): Promise<number> {
  for (let i = 0; ; i++) {
    const state = await ctx.engine.json<ExecInspectResponse>('GET', `/exec/${seg(id)}/json`);
    if (!state.Running || i >= 50) return state.ExitCode ?? 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}
