/**
 * `tspaas git:remote [-r NAME] [-a APP]` points a git remote of this repo at
 * the app and configures the credential helper; `tspaas git:credential
 * get|store|erase` is that helper (git's credential protocol: key=value
 * lines on stdin, a blank line or EOF ends them). `get` answers
 * `username=tspaas` and `password=<token>` for a platform we are logged in
 * to; `store` and `erase` change nothing — tokens come and go with
 * `tspaas login` / `logout`.
 */
import type { Command } from 'commander';
import type { AppInfo } from '../../../platform/api/types.js';
import { helperCommand, insideWorkTree, REMOTE, setCredentialHelper, setRemote } from '../../app-ref.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError, type PlatformClient } from '../../platform-client.js';
import { loginFor, platformUrl, readLogins } from '../../platform-credentials.js';
import { platformAction, target, withApp } from './shared.js';

/** Add `git:remote` and `git:credential`. */
export function register(program: Command, app: App): void {
  withApp(program.command('git:remote').description('Add (or repoint) the git remote of an app and the credential helper for pushes'))
    .option('-r, --remote <name>', 'name of the git remote', REMOTE)
    .action(platformAction(app, async (ctx, opts: { app?: string; remote: string }) => {
      if (!(await insideWorkTree(ctx.config.cwd))) throw new PlatformError('Invalid', 'not inside a git work tree', 'run it in the app\'s repo (git init first)');
      const { api, base } = await target(ctx, opts);
      const info = await api.json<AppInfo>('GET', base);
      await addGitRemote(ctx, api, opts.remote, info.gitUrl);
      ctx.print({ remote: opts.remote, url: info.gitUrl }, `Git remote ${opts.remote} → ${info.gitUrl}`);
    }));
  program.command('git:credential').description('git credential helper for the platform (configured by apps:create and git:remote)')
    .argument('<operation>', 'get, store or erase (from git)')
    .option('--platform <url>', 'answer with the token of this platform login')
    .action(app.action(async (ctx, operation: string, opts: { platform?: string }) => {
      const fields = await readFields(ctx);
      if (operation !== 'get') return;
      const token = await tokenFor(ctx, fields, opts.platform);
      if (token) ctx.io.stdout.write(`username=tspaas\npassword=${token}\n`);
    }));
}

/** Point `remote` at `gitUrl` and make `tspaas git:credential` answer for its platform (repo-local config). */
export async function addGitRemote(ctx: CliContext, api: PlatformClient, remote: string, gitUrl: string): Promise<void> {
  const self = ctx.config.self;
  if (!self) throw new PlatformError('Internal', 'the CLI does not know how it was started, so it cannot configure the git credential helper');
  await setRemote(ctx.config.cwd, remote, gitUrl);
  const origin = new URL(gitUrl).origin;
  await setCredentialHelper(ctx.config.cwd, origin, helperCommand(self, ['--platform', api.url]));
}

/** git's `key=value` lines up to a blank line or EOF. */
async function readFields(ctx: CliContext): Promise<Record<string, string>> {
  let text = '';
  for await (const c of ctx.io.stdin) {
    text += Buffer.from(c as Buffer).toString('utf8');
    if (/(^|\n)\r?\n/.test(text)) break;
  }
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line) break;
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}

/** The token for the URL git asks about: the named platform login, else a stored login covering that URL. */
async function tokenFor(ctx: CliContext, fields: Record<string, string>, platform?: string): Promise<string | undefined> {
  if (!fields.protocol || !fields.host) return undefined;
  const asked = new URL(`${fields.protocol}://${fields.host}/${fields.path ?? ''}`);
  if (ctx.config.platformToken && ctx.config.platformUrl && new URL(platformUrl(ctx.config.platformUrl)).host === asked.host) return ctx.config.platformToken;
  if (!ctx.config.platformFile) return undefined;
  const logins = await readLogins(ctx.config.platformFile);
  if (platform) {
    const named = logins.servers[platformUrl(platform)];
    if (named) return named.token;
  }
  return loginFor(logins, asked)?.token;
}
