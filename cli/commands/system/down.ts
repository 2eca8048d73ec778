/** `tspaas down`: stop the tspaasd named by the pid file; containers keep running under their monitors. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { daemonPaths, runningPid, stopDaemon } from '../../daemon.js';

export function register(program: Command, app: App): void {
  program.command('down').description('Stop tspaasd (containers keep running)')
    .option('--run-root <dir>', 'run root for sockets and pid files (TSPAAS_RUN)', app.config.runRoot)
    .option('--timeout <seconds>', 'how long to wait for it to exit', '30')
    .action(app.action(async (ctx, f: { runRoot: string; timeout: string }) => {
      const { pidFile } = daemonPaths('', f.runRoot);
      const pid = await runningPid(pidFile);
      if (pid !== undefined) await stopDaemon(pid, Number(f.timeout) * 1000);
      ctx.print({ stopped: pid !== undefined, pid: pid ?? null }, pid === undefined ? 'tspaasd is not running' : `tspaasd stopped (pid ${pid})`);
    }));
}
