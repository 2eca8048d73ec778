/** `tspaas up`: start tspaasd in the background unless it is running; wait until its API answers. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { daemonPaths, runningPid, spawnDaemon, waitUntilReady } from '../../daemon.js';

interface UpFlags {
  root: string; runRoot: string; runtime?: string; socketGroup?: string; cgroupParent?: string; logLevel?: string; timeout: string;
  bridge?: string; bridgeSubnet?: string; networkPool?: string; bridgePrefix?: string;
}

/** The flags handed through to tspaasd unchanged. */
const PASSED: [keyof UpFlags, string][] = [
  ['runtime', '--runtime'], ['socketGroup', '--socket-group'], ['cgroupParent', '--cgroup-parent'], ['logLevel', '--log-level'],
  ['bridge', '--bridge'], ['bridgeSubnet', '--bridge-subnet'], ['networkPool', '--network-pool'], ['bridgePrefix', '--bridge-prefix'],
];

export function register(program: Command, app: App): void {
  program.command('up').description('Start tspaasd in the background')
    .option('--root <dir>', 'data root (TSPAAS_ROOT)', app.config.root)
    .option('--run-root <dir>', 'run root for sockets and pid files (TSPAAS_RUN)', app.config.runRoot)
    .option('--runtime <name>', 'OCI runtime: crun, runc or auto')
    .option('--socket-group <group>', 'group that may use the engine socket')
    .option('--cgroup-parent <path>', 'parent cgroup of containers (default /tspaas)')
    .option('--log-level <level>', 'tspaasd log level (default info)')
    .option('--bridge <name>', 'bridge of the default network (default tspaas0)')
    .option('--bridge-subnet <cidr>', 'subnet of the default network (default 10.77.0.0/16)')
    .option('--network-pool <cidr>', 'pool of /24s for user networks (default 10.78.0.0/15)')
    .option('--bridge-prefix <prefix>', "prefix of user networks' bridges (default tsbr-)")
    .option('--timeout <seconds>', 'how long to wait for the daemon', '60')
    .action(app.action(async (ctx, f: UpFlags) => {
      const paths = daemonPaths(f.root, f.runRoot);
      let pid = await runningPid(paths.pidFile);
      const started = pid === undefined;
      if (started) {
        const extra = PASSED.flatMap(([key, flag]) => (f[key] ? [flag, f[key]] : []));
        const child = await spawnDaemon(ctx.config.daemon.command, [...ctx.config.daemon.args, ...extra], paths);
        await waitUntilReady(child, paths, Number(f.timeout) * 1000);
        pid = child.pid;
      }
      const state = { started, pid, socket: `unix://${paths.socketPath}`, log: paths.logFile, root: paths.root, runRoot: paths.runRoot };
      ctx.print(state, `tspaasd ${started ? 'started' : 'is already running'} (pid ${pid})\nEngine API: ${state.socket}\nLogs: ${state.log}`);
    }));
}
