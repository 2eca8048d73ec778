/**
 * `tspaas releases` (failed builds, which made no release, listed among them
 * with their reason), `releases:info vN`, `releases:output vN`, `rollback vN`.
 * A rollback is a new release with vN's image and config, deployed like any
 * other; its deploy is followed unless `--no-wait`. `releases:output` prints
 * a release's deploy log (release phase, starts, checks, route switch), and
 * follows it while the deploy runs.
 */
import type { Command } from 'commander';
import type { Build, PlatformEvent, Release, Rollback } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { followDeploy } from './progress.js';
import { platformAction, target, withApp } from './shared.js';
import { releaseInfo, releasesTable } from './tables.js';

/** `v3` or `3` → 3. */
export function parseVersion(word: string): number {
  const m = /^v?(\d+)$/i.exec(word.trim());
  if (!m || Number(m[1]) < 1) throw new PlatformError('Invalid', `"${word}" is not a release version`, 'write it as in `tspaas releases`, e.g. v3');
  return Number(m[1]);
}

/** Add the release commands. */
export function register(program: Command, app: App): void {
  withApp(program.command('releases').description('List the app\'s releases, newest first')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const releases = await api.json<Release[]>('GET', `${base}/releases`);
    // Issue 14 part P: builds that failed made no release; humans see them among the releases with their reason.
    const failed = ctx.json ? [] : (await api.json<Build[]>('GET', `${base}/builds`)).filter((b) => b.status === 'failed');
    ctx.print(releases, () => releasesTable(releases, failed));
  }));
  withApp(program.command('releases:info').description('Show one release').argument('<version>', 'vN'))
    .action(platformAction(app, async (ctx, version: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const release = await api.json<Release>('GET', `${base}/releases/${parseVersion(version)}`);
      ctx.print(release, () => releaseInfo(release));
    }));
  withApp(program.command('releases:output').description('Print the deploy log of a release (followed while it deploys)').argument('<version>', 'vN'))
    .action(platformAction(app, async (ctx, version: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const v = parseVersion(version);
      for await (const e of api.ndjson<PlatformEvent>(`${base}/releases/${v}/events`)) {
        if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(e)}\n`);
        else if (e.kind === 'deploy') ctx.io.stdout.write(`${e.line}\n`);
        else if (e.kind === 'deploy-done') ctx.io.stdout.write(`Deploy ${e.status}${e.error ? `: ${e.error}` : ''}\n`);
      }
    }));
  withApp(program.command('rollback').description('Deploy a new release with the image and config of vN').argument('<version>', 'vN'))
    .option('--no-wait', 'return once the release is made, without following its deploy')
    .action(platformAction(app, async (ctx, version: string, opts: { app?: string; wait: boolean }) => {
      const { api, base } = await target(ctx, opts);
      const body: Rollback = { version: parseVersion(version) };
      const created = await api.json<Release>('POST', `${base}/rollback`, body);
      ctx.say(`Rolling back to v${body.version}: release v${created.version}`);
      const release = opts.wait ? await followDeploy(ctx, api, base, created) : created;
      ctx.print(release, `v${release.version} ${release.status}: ${release.description}`);
    }));
}
