/** `tspaas info`: what the engine reports about itself and the host. */
import type { Command } from 'commander';
import type { SystemInfo } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { humanBytesBinary } from '../../format.js';

export function register(program: Command, app: App): void {
  program.command('info').description('Display engine-wide information')
    .action(app.action(async (ctx) => {
      const i = await ctx.engine.json<SystemInfo>('GET', '/info');
      ctx.print(i, () => [
        `Containers: ${i.Containers}`, ` Running: ${i.ContainersRunning}`, ` Paused: ${i.ContainersPaused}`, ` Stopped: ${i.ContainersStopped}`,
        `Images: ${i.Images}`, `Server Version: ${i.ServerVersion}`, `Storage Driver: ${i.Driver}`,
        `Cgroup Driver: ${i.CgroupDriver}`, `Cgroup Version: ${i.CgroupVersion}`,
        `Runtimes: ${Object.keys(i.Runtimes ?? {}).join(' ')}`, `Default Runtime: ${i.DefaultRuntime}`,
        `Security Options:`, ...(i.SecurityOptions ?? []).map((s) => ` ${s}`),
        `Kernel Version: ${i.KernelVersion}`, `Operating System: ${i.OperatingSystem}`, `OSType: ${i.OSType}`,
        `Architecture: ${i.Architecture}`, `CPUs: ${i.NCPU}`, `Total Memory: ${humanBytesBinary(i.MemTotal)}`,
        `Name: ${i.Name}`, `Root Dir: ${i.DockerRootDir}`, `Engine Socket: unix://${ctx.engine.socketPath}`,
      ].join('\n'));
    }));
}
