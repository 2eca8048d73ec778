/**
 * The run root's files (default /run/tspaas): one contract between tspaasd,
 * which writes them (platform/config.ts, platform/main.ts), and `tspaas up` /
 * `tspaas down`, which read them and start the router (cli/daemon.ts).
 *
 *   <run>/engine             engine volatile state (conmon sockets, exit files)
 *   <run>/engine.sock        Engine API socket
 *   <run>/tspaasd.pid        pid of the running tspaasd (written by tspaasd)
 *   <run>/tspaasd.log        tspaasd's output when `tspaas up` started it
 *   <run>/platform.json      PlatformInfo, written (0600) by tspaasd once the platform is
 *                            ready, removed when it stops
 *   <run>/admin-token        the first start's admin token (0600), until `tspaas up` shows it
 *   <run>/tspaas-router.pid  pid of the router `tspaas up` started
 *   <run>/tspaas-router.log  that router's output
 */
import path from 'node:path';

export interface RunFiles {
  runRoot: string;
  engineRunDir: string;
  socketPath: string;
  pidFile: string;
  logFile: string;
  platformFile: string;
  adminTokenFile: string;
  routerPidFile: string;
  routerLogFile: string;
}

/** What tspaasd publishes in <run>/platform.json (for `tspaas up`, which starts the router on the same database). */
export interface PlatformInfo {
  databaseUrl: string;
  listen: string;
  publicUrl: string;
  pid: number;
}

/** The files under run root `runRoot`. */
export function runFiles(runRoot: string): RunFiles {
  const at = (name: string) => path.join(runRoot, name);
  return {
    runRoot, engineRunDir: at('engine'), socketPath: at('engine.sock'), pidFile: at('tspaasd.pid'), logFile: at('tspaasd.log'),
    platformFile: at('platform.json'), adminTokenFile: at('admin-token'), routerPidFile: at('tspaas-router.pid'), routerLogFile: at('tspaas-router.log'),
  };
}
