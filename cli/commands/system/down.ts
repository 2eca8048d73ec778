/**
 * `tspaas down`: stop the tspaasd named by the pid file and, unless
 * `--keep-router`, the tspaas-router `tspaas up` started. Containers keep
 * running under their monitors; the embedded PostgreSQL and Redis stop with
 * tspaasd.
 */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { livePid } from '../../../lib/process.js';
import { daemonPaths, stopDaemon } from '../../daemon.js';

export function register(program: Command, app: App): void {
  program.command('down').description('Stop tspaasd and tspaas-router (containers keep running)')
    .option('--run-root <dir>', 'run root for sockets and pid files (TSPAAS_RUN)', app.config.runRoot)
    .option('--keep-router', 'leave tspaas-router running (it keeps serving apps while tspaasd is down)')
    .option('--timeout <seconds>', 'how long to wait for each to exit', '60')
    .action(app.action(async (ctx, f: { runRoot: string; timeout: string; keepRouter?: boolean }) => {
      const paths = daemonPaths('', f.runRoot);
      const pid = await livePid(paths.pidFile);
      if (pid !== undefined) await stopDaemon(pid, Number(f.timeout) * 1000);
      const routerPid = f.keepRouter ? undefined : await livePid(paths.routerPidFile);
      if (routerPid !== undefined) await stopDaemon(routerPid, Number(f.timeout) * 1000, 'tspaas-router');
      const human = [pid === undefined ? 'tspaasd is not running' : `tspaasd stopped (pid ${pid})`];
      if (routerPid !== undefined) human.push(`tspaas-router stopped (pid ${routerPid})`);
      ctx.print({ stopped: pid !== undefined, pid: pid ?? null, router: routerPid ?? null }, human.join('\n'));
    }));
}
