/**
 * What every CLI command gets: the frozen config from `main.ts`, the process's
 * stdio, an Engine API client for the socket chosen by `-H`, and whether to
 * print JSON. Commands are registered with an `App` and written as
 * `app.action(async (ctx, ...args, opts) => …)`; a returned number becomes
 * the process's exit code.
 */
import type { Command } from 'commander';
import { TspaasError, invalid } from '../lib/errors.js';
import type { EngineClient } from './engine-client.js';
import type { PlatformClient } from './platform-client.js';

/** Parsed once in cli/main.ts and frozen. */
export interface CliConfig {
  version: string;
  /** Engine socket when `-H` is not given: TSPAAS_ENGINE_SOCK or /run/tspaas/engine.sock. */
  socketPath: string;
  /** Data root and run root that `tspaas up` hands to tspaasd (TSPAAS_ROOT, TSPAAS_RUN). */
  root: string;
  runRoot: string;
  /** How to start tspaasd: the node binary and the arguments before tspaasd's own flags. */
  daemon: { command: string; args: string[] };
  cwd: string;
  /** Registry credentials file (login/logout, pull/push): $TSPAAS_CONFIG_DIR/auth.json or ~/.config/tspaas/auth.json; absent = none kept. */
  authFile?: string;
  /** The local environment, for `-e NAME` without a value. */
  env: Readonly<Record<string, string | undefined>>;
  /** Platform logins (login/logout, every platform command): $TSPAAS_CONFIG_DIR/platform.json or ~/.config/tspaas/platform.json. */
  platformFile?: string;
  /** TSPAAS_URL / TSPAAS_TOKEN: the platform and token to use instead of the current login (scripts, CI). */
  platformUrl?: string;
  platformToken?: string;
  /** How to run the git credential helper `apps:create` configures (node, its loader flags, cli/git-credential/main). */
  credentialHelper?: { command: string; args: string[] };
}

export interface CliIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface CliContext {
  readonly config: CliConfig;
  readonly io: CliIO;
  readonly engine: EngineClient;
  /** The platform API client of the current login (or TSPAAS_URL/TSPAAS_TOKEN); fails with a hint to log in. */
  platform(): Promise<PlatformClient>;
  /** `--json` was given: print the API's data as JSON instead of tables. */
  readonly json: boolean;
  /** Print `data` as JSON with --json, otherwise the human text (a newline is added when missing). */
  print(data: unknown, human: string | (() => string)): void;
  /** Print a line for humans only (nothing with --json). */
  say(text: string): void;
}

/** Thrown once the problem was already reported: exit with `code` and print nothing more. */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Holds the config and stdio for every command; builds one context per command run. */
export class App {
  exitCode = 0;

  constructor(readonly config: CliConfig, readonly io: CliIO) {}

  /** Wrap a command body for commander's `.action()`. */
  action(fn: (ctx: CliContext, ...args: never[]) => Promise<number | void>): (...args: unknown[]) => Promise<void> {
    return async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const code = await fn(await this.context(cmd), ...(args.slice(0, -1) as never[]));
      if (typeof code === 'number') this.exitCode = code;
    };
  }

  /** The context for a parsed command: `-H` and `--json` may be given at any level. */
  async context(cmd: Command): Promise<CliContext> {
    // Loaded once a command runs: help and --version never load node:http.
    const { EngineClient } = await import('./engine-client.js');
    const opts = cmd.optsWithGlobals<{ host?: string; json?: boolean }>();
    const json = !!opts.json;
    const io = this.io;
    const write = (text: string) => io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return {
      config: this.config,
      io,
      engine: new EngineClient(opts.host ? socketFromHost(opts.host) : this.config.socketPath),
      // Loaded on first use: engine commands never load the platform client.
      platform: async () => (await import('./platform-client.js')).connectPlatform({ file: this.config.platformFile, url: this.config.platformUrl, token: this.config.platformToken }),
      json,
      print: (data, human) => write(json ? JSON.stringify(data, null, 2) : typeof human === 'function' ? human() : human),
      say: (text) => { if (!json) write(text); },
    };
  }
}

/** `-H unix:///path/to.sock` (or a bare path) → the socket path. */
export function socketFromHost(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw invalid(`unsupported host "${host}": use unix:///path/to/engine.sock`);
}

/**
 * Run `fn` for every ref like Docker's multi-container commands: print each
 * ref that worked, report each failure as `tspaas: …`, and fail at the end
 * when any did.
 */
export async function forEachRef(ctx: CliContext, refs: string[], fn: (ref: string) => Promise<void>): Promise<void> {
  let failed = false;
  const done: string[] = [];
  for (const ref of refs) {
    try {
      await fn(ref);
      done.push(ref);
      ctx.say(ref);
    } catch (err) {
      if (!(err instanceof TspaasError)) throw err;
      failed = true;
      ctx.io.stderr.write(`tspaas: ${err.message}\n`);
    }
  }
  if (ctx.json) ctx.print(done, '');
  if (failed) throw new ExitError(1);
}

/** Path segment of a ref, escaped. */
export const seg = (ref: string): string => encodeURIComponent(ref);
