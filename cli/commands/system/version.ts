/** `tspaas version`: the CLI's version and the engine's. */
import type { Command } from 'commander';
import type { SystemVersion } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';

export function register(program: Command, app: App): void {
  program.command('version').description('Show the tspaas version information')
    .action(app.action(async (ctx) => {
      const Client = { Version: ctx.config.version, NodeVersion: process.version, Os: process.platform, Arch: process.arch === 'x64' ? 'amd64' : process.arch };
      const lines = ['Client:', ` Version:        ${Client.Version}`, ` Node.js:        ${Client.NodeVersion}`, ` OS/Arch:        ${Client.Os}/${Client.Arch}`];
      let Server: SystemVersion | null = null;
      try {
        Server = await ctx.engine.json<SystemVersion>('GET', '/version');
      } finally {
        const server = Server && ['', 'Server:', ` Version:        ${Server.Version}`, ` API version:    ${Server.ApiVersion}`,
          ` OS/Arch:        ${Server.Os}/${Server.Arch}`, ` Kernel version: ${Server.KernelVersion}`];
        ctx.print({ Client, Server }, [...lines, ...(server ?? [])].join('\n'));
      }
    }));
}
