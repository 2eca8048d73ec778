/** `tspaas apps`, `apps:create`, `apps:info`, `apps:destroy`, `open`. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { AppInfo, CreateApp } from '../../../platform/api/types.js';
import { git, insideWorkTree, REMOTE, remoteUrl, appFromGitUrl } from '../../app-ref.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { addGitRemote } from './git.js';
import { ask, platformAction, seg, target, withApp } from './shared.js';
import { appInfo, appsTable } from './tables.js';

/** Add the app commands. */
export function register(program: Command, app: App): void {
  program.command('apps').description('List the apps of your teams')
    .action(platformAction(app, async (ctx) => {
      const apps = await (await ctx.platform()).json<AppInfo[]>('GET', '/apps');
      ctx.print(apps, () => appsTable(apps));
    }));
  program.command('apps:create').description('Create an app; in a git repo, add its "tspaas" remote')
    .argument('<name>', 'app name (a DNS label: a-z, 0-9, -)')
    .option('-t, --team <team>', 'owning team (needed when you are in several)')
    .option('--no-remote', 'do not add the git remote')
    .action(platformAction(app, async (ctx, name: string, opts: { team?: string; remote: boolean }) => {
      const api = await ctx.platform();
      const body: CreateApp = { name, ...(opts.team ? { team: opts.team } : {}) };
      const info = await api.json<AppInfo>('POST', '/apps', body);
      const remote = opts.remote && (await insideWorkTree(ctx.config.cwd));
      if (remote) await addGitRemote(ctx, api, REMOTE, info.gitUrl);
      ctx.print(info, `Created ${info.name} (team ${info.team})\n${info.url} | ${info.gitUrl}${remote ? `\nGit remote ${REMOTE} added: deploy with \`git push ${REMOTE} main\`` : ''}`);
    }));
  withApp(program.command('apps:info').description('Show an app')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const info = await api.json<AppInfo>('GET', base);
    ctx.print(info, () => appInfo(info));
  }));
  withApp(program.command('apps:destroy').description('Destroy an app and erase everything it had: processes, releases, domains, config, images, build caches, repository, logs'))
    .option('--confirm <name>', 'the app\'s name again (asked for on a terminal)')
    .action(platformAction(app, async (ctx, opts: { app?: string; confirm?: string }) => {
      const { api, app: name, base } = await target(ctx, opts);
      const confirmed = opts.confirm ?? (await ask(ctx, `This destroys ${name} and everything it runs. Type its name to confirm: `));
      if (confirmed !== name) throw new PlatformError('Invalid', `confirmation "${confirmed ?? ''}" does not match the app "${name}"`, `pass --confirm ${name}`);
      await api.json('DELETE', `${base}?confirm=${seg(name)}`);
      const removedRemote = await dropRemoteOf(ctx, name);
      ctx.print({ destroyed: name, removedRemote }, `Destroyed ${name}${removedRemote ? ` and removed the git remote ${REMOTE}` : ''}`);
    }));
  withApp(program.command('open').description('Print the app\'s URL and open it in a browser (xdg-open) on a terminal'))
    .action(platformAction(app, async (ctx, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const info = await api.json<AppInfo>('GET', base);
      ctx.print({ url: info.url }, info.url);
      if (!ctx.json && ctx.io.stdout.isTTY) openInBrowser(info.url);
    }));
}

/** Remove the `tspaas` remote when it points at the destroyed app. */
async function dropRemoteOf(ctx: CliContext, name: string): Promise<boolean> {
  const url = await remoteUrl(ctx.config.cwd);
  if (!url || appFromGitUrl(url) !== name) return false;
  return (await git(ctx.config.cwd, ['remote', 'remove', REMOTE])).code === 0;
}

/** Open `url` with xdg-open, detached; nothing when there is no xdg-open (also used by `tspaas dashboard`). */
export function openInBrowser(url: string): void {
  const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => { /* no xdg-open: the printed URL is enough */ });
  child.unref();
}
