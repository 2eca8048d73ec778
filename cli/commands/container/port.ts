/** `container port`: the published ports of a container, as `docker port` prints them. */
import type { Command } from 'commander';
import type { ContainerInspectResponse } from '../../../runtime/api/docker/types.js';
import { ExitError, seg, type App } from '../../context.js';
import { portKey, portLines } from '../../ports.js';

export function register(parent: Command, app: App): void {
  parent.command('port').description('List port mappings or a specific mapping for the container')
    .argument('<container>').argument('[private-port]', 'PORT[/PROTO], e.g. 80 or 53/udp')
    .action(app.action(async (ctx, ref: string, privatePort: string | undefined) => {
      const c = await ctx.engine.json<ContainerInspectResponse>('GET', `/containers/${seg(ref)}/json`);
      const ports = c.NetworkSettings?.Ports ?? {};
      const lines = portLines(ports, privatePort);
      if (privatePort !== undefined && !lines.length) {
        ctx.io.stderr.write(`tspaas: no public port '${portKey(privatePort)}' published for ${ref}\n`);
        throw new ExitError(1);
      }
      const data = privatePort === undefined ? Object.fromEntries(Object.entries(ports).filter(([, b]) => b?.length)) : ports[portKey(privatePort)];
      ctx.print(data, lines.join('\n'));
    }));
}
