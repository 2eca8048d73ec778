/**
 * `tspaas config`, `config:get NAME`, `config:set A=1 B=2`, `config:unset A B`.
 * Each change makes a new release whose deploy (a rolling restart) is
 * followed until it ends, unless `--no-wait`.
 */
import type { Command } from 'commander';
import type { ConfigChanged, ConfigPatch } from '../../../platform/api/types.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { followDeploy } from './progress.js';
import { parsePairs, platformAction, target, withApp } from './shared.js';
import { configLines } from './tables.js';

interface ChangeOpts { app?: string; wait: boolean }

/** Add the config commands. */
export function register(program: Command, app: App): void {
  withApp(program.command('config').description('Show the config vars')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const config = await api.json<Record<string, string>>('GET', `${base}/config`);
    ctx.print(config, () => configLines(config));
  }));
  withApp(program.command('config:get').description('Print one config var\'s value').argument('<name>'))
    .action(platformAction(app, async (ctx, name: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const config = await api.json<Record<string, string>>('GET', `${base}/config`);
      if (!(name in config)) throw new PlatformError('NotFound', `config var ${name} is not set`, 'list them with `tspaas config`');
      ctx.print({ [name]: config[name] }, config[name]!);
    }));
  withApp(program.command('config:set').description('Set config vars (a new release, deployed)').argument('<NAME=value...>'))
    .option('--no-wait', 'return once the release is made, without following its deploy')
    .action(platformAction(app, async (ctx, pairs: string[], opts: ChangeOpts) => change(ctx, opts, parsePairs(pairs, 'NAME=value'))));
  withApp(program.command('config:unset').description('Unset config vars (a new release, deployed)').argument('<NAME...>'))
    .option('--no-wait', 'return once the release is made, without following its deploy')
    .action(platformAction(app, async (ctx, names: string[], opts: ChangeOpts) => change(ctx, opts, Object.fromEntries(names.map((n) => [n, null])))));
}

async function change(ctx: CliContext, opts: ChangeOpts, patch: ConfigPatch): Promise<void> {
  const { api, base } = await target(ctx, opts);
  const changed = await api.json<ConfigChanged>('PATCH', `${base}/config`, patch);
  const names = Object.keys(patch).join(', ');
  ctx.say(`${Object.values(patch).every((v) => v === null) ? 'Unset' : 'Set'} ${names}: release v${changed.release.version}`);
  const release = opts.wait ? await followDeploy(ctx, api, base, changed.release) : changed.release;
  const set = Object.fromEntries(Object.keys(patch).filter((n) => n in changed.config).map((n) => [n, changed.config[n]!]));
  ctx.print({ ...changed, release }, Object.keys(set).length ? configLines(set) : '');
}
