/** `network connect`: put a container on one more network (with aliases and a fixed IP if asked). */
import { isIPv4 } from 'node:net';
import type { Command } from 'commander';
import type { NetworkConnectRequest } from '../../../runtime/api/docker/types.js';
import { invalid } from '../../../lib/errors.js';
import { seg, type App } from '../../context.js';
import { collect } from '../../filters.js';

export function register(parent: Command, app: App): void {
  parent.command('connect').description('Connect a container to a network')
    .argument('<network>').argument('<container>')
    .option('--alias <alias>', 'another name of the container on this network (repeatable)', collect)
    .option('--ip <address>', 'fixed IPv4 address in the network\'s subnet')
    .action(app.action(async (ctx, network: string, container: string, opts: { alias?: string[]; ip?: string }) => {
      if (opts.ip !== undefined && !isIPv4(opts.ip)) throw invalid(`invalid --ip "${opts.ip}": not an IPv4 address`);
      const EndpointConfig = { Aliases: opts.alias, IPAMConfig: opts.ip ? { IPv4Address: opts.ip } : undefined };
      await ctx.engine.json('POST', `/networks/${seg(network)}/connect`, { body: { Container: container, EndpointConfig } satisfies NetworkConnectRequest });
    }));
}
