/** `network create`: a bridge network with its own subnet (from the engine's pool unless given). */
import type { Command } from 'commander';
import type { NetworkCreateRequest, NetworkCreateResponse } from '../../../runtime/api/docker/types.js';
import { invalid } from '../../../lib/errors.js';
import type { App } from '../../context.js';
import { collect } from '../../filters.js';
import { parseLabels } from '../../run-options.js';

interface CreateFlags { driver?: string; subnet?: string; gateway?: string; internal?: boolean; label?: string[]; opt?: string[] }

export function register(parent: Command, app: App): void {
  parent.command('create').description('Create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'driver to manage the network (bridge)')
    .option('--subnet <cidr>', 'subnet, e.g. 10.10.0.0/24 (default: the next free one of the engine\'s pool)')
    .option('--gateway <ip>', 'gateway address in the subnet (default: its first address)')
    .option('--internal', 'no route out of the network')
    .option('--label <key=value>', 'set a label (repeatable)', collect)
    .option('-o, --opt <key=value>', 'driver option (repeatable)', collect)
    .action(app.action(async (ctx, name: string, opts: CreateFlags) => {
      if (opts.gateway && !opts.subnet) throw invalid('--gateway needs --subnet');
      const body = {
        Name: name, Driver: opts.driver, Internal: !!opts.internal, Labels: parseLabels(opts.label ?? []), Options: parseLabels(opts.opt ?? []),
        IPAM: opts.subnet ? { Driver: 'default', Config: [{ Subnet: opts.subnet, Gateway: opts.gateway }] } : undefined,
      } satisfies NetworkCreateRequest;
      const res = await ctx.engine.json<NetworkCreateResponse>('POST', '/networks/create', { body });
      if (res.Warning) ctx.io.stderr.write(`WARNING: ${res.Warning}\n`);
      ctx.print(res, res.Id);
    }));
}
