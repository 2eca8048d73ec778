/**
 * `tspaas git:remote [-r NAME] [-a APP]` points a git remote of this repo at
 * the app and configures the credential helper (cli/git-credential/main.ts,
 * the light entry git starts on every push); `tspaas git:credential
 * get|store|erase` answers the same way (cli/git-credential/protocol.ts), for repos
 * configured before the light helper existed.
 */
import type { Command } from 'commander';
import type { AppInfo } from '../../../platform/api/types.js';
import { helperCommand, insideWorkTree, REMOTE, setCredentialHelper, setRemote } from '../../app-ref.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError, type PlatformClient } from '../../platform-client.js';
import { credentialAnswer, readCredentialFields, tokenFor } from '../../git-credential/protocol.js';
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
      const fields = await readCredentialFields(ctx.io.stdin);
      if (operation !== 'get') return;
      const token = await tokenFor(ctx.config, fields, opts.platform);
      if (token) ctx.io.stdout.write(credentialAnswer(token));
    }));
}

/** Point `remote` at `gitUrl` and make `tspaas git:credential` answer for its platform (repo-local config). */
export async function addGitRemote(ctx: CliContext, api: PlatformClient, remote: string, gitUrl: string): Promise<void> {
  const helper = ctx.config.credentialHelper;
  if (!helper) throw new PlatformError('Internal', 'the CLI does not know how it was started, so it cannot configure the git credential helper');
  await setRemote(ctx.config.cwd, remote, gitUrl);
  const origin = new URL(gitUrl).origin;
  await setCredentialHelper(ctx.config.cwd, origin, helperCommand(helper, ['--platform', api.url]));
}
