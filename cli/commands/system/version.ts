/** `tspaas version`: the CLI's version and the engine's. */
import type { Command } from 'commander';
import type { App } from '../../context.js';

interface ServerVersion { Version: string; ApiVersion: string; Os: string; Arch: string; KernelVersion: string }

export function register(program: Command, app: App): void {
  program.command('version').description('Show the tspaas version information')
    .action(app.action(async (ctx) => {
      const Client = { Version: ctx.config.version, NodeVersion: process.version, Os: process.platform, Arch: process.arch === 'x64' ? 'amd64' : process.arch };
      const lines = ['Client:', ` Version:        ${Client.Version}`, ` Node.js:        ${Client.NodeVersion}`, ` OS/Arch:        ${Client.Os}/${Client.Arch}`];
      let Server: ServerVersion | null = null;
      try {
        Server = await ctx.engine.json<ServerVersion>('GET', '/version');
      } finally {
        const server = Server && ['', 'Server:', ` Version:        ${Server.Version}`, ` API version:    ${Server.ApiVersion}`,
          ` OS/Arch:        ${Server.Os}/${Server.Arch}`, ` Kernel version: ${Server.KernelVersion}`];
        ctx.print({ Client, Server }, [...lines, ...(server ?? [])].join('\n'));
      }
    }));
}
