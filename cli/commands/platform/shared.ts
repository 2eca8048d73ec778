/**
 * What every platform command shares: the edge that turns errors into
 * `tspaas: <message>` + `hint: <hint>` and exit code 1, the `-a/--app`
 * option and the app it names, and path escaping.
 */
import type { Command } from 'commander';
import { TspaasError } from '../../../lib/errors.js';
import { resolveApp } from '../../app-ref.js';
import { ExitError, type App, type CliContext } from '../../context.js';
import { PlatformError, type PlatformClient } from '../../platform-client.js';

/** A platform command's body gets the context; its errors are reported here, once. */
export function platformAction(app: App, fn: (ctx: CliContext, ...args: never[]) => Promise<number | void>): (...args: unknown[]) => Promise<void> {
  return app.action((ctx, ...args) => reportingErrors(ctx, () => fn(ctx, ...args)));
}

/** Run `fn`; a TspaasError is reported with its hint and ends the command with exit code 1. */
export async function reportingErrors<T>(ctx: CliContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof TspaasError)) throw err;
    reportError(ctx, err);
    throw new ExitError(1);
  }
}

/** `tspaas: <message>` and, when there is one, `hint: <hint>` on stderr. */
export function reportError(ctx: CliContext, err: TspaasError): void {
  ctx.io.stderr.write(`tspaas: ${err.message}\n`);
  if (err instanceof PlatformError && err.hint) ctx.io.stderr.write(`hint: ${err.hint}\n`);
}

/** Add `-a/--app`. */
export function withApp(cmd: Command): Command {
  return cmd.option('-a, --app <app>', 'the app (default: from the "tspaas" git remote of this repo)');
}

/** The client and the app of a command run with `-a` or in the app's repo. */
export async function target(ctx: CliContext, opts: { app?: string }): Promise<{ api: PlatformClient; app: string; base: string }> {
  const app = await resolveApp(ctx.config.cwd, opts.app);
  const api = await ctx.platform();
  return { api, app, base: `/apps/${seg(app)}` };
}

/** A path segment, escaped. */
export const seg = (s: string): string => encodeURIComponent(s);

/** Parse `NAME=value` words; `Invalid` with a hint for any word without `=`. */
export function parsePairs(words: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new PlatformError('Invalid', `"${w}" is not ${what}`, `write ${what}, e.g. ${what === 'NAME=value' ? 'GREETING=hello' : 'web=2'}`);
    out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** One line typed on a terminal (a confirmation); undefined when stdin is not one. */
export async function ask(ctx: CliContext, question: string): Promise<string | undefined> {
  if (!ctx.io.stdin.isTTY) return undefined;
  const { createInterface } = await import('node:readline/promises'); // only when asking: every platform command loads this file
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
