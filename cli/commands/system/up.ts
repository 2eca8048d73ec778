/**
 * `tspaas up`: start tspaasd in the background unless it is running, then
 * tspaas-router (also detached, on the database tspaasd published in
 * <run>/platform.json) unless it is running; print the API and router URLs,
 * and on the first start the admin token, once. `--engine-only`: tspaasd
 * with only the engine (no platform, no router).
 */
import type { Command } from 'commander';
import type { App, CliContext } from '../../context.js';
import {
  daemonPaths, readPlatformInfo, routerArgs, spawnDaemon, spawnRouter, takeAdminToken, waitForPort, waitUntilReady,
  type DaemonPaths,
} from '../../daemon.js';
import { invalid } from '../../../lib/errors.js';
import { livePid } from '../../../lib/process.js';

interface UpFlags {
  root: string; runRoot: string; runtime?: string; socketGroup?: string; cgroupParent?: string; logLevel?: string; timeout: string;
  bridge?: string; bridgeSubnet?: string; networkPool?: string; bridgePrefix?: string;
  engineOnly?: boolean; listen?: string; publicUrl?: string; baseDomain: string; routerPort: string; routerHttpsPort: string;
  databaseUrl?: string; redisUrl?: string; redisPrefix?: string; router: boolean;
}

/** The flags handed through to tspaasd unchanged. */
const PASSED: [keyof UpFlags, string][] = [
  ['runtime', '--runtime'], ['socketGroup', '--socket-group'], ['cgroupParent', '--cgroup-parent'], ['logLevel', '--log-level'],
  ['bridge', '--bridge'], ['bridgeSubnet', '--bridge-subnet'], ['networkPool', '--network-pool'], ['bridgePrefix', '--bridge-prefix'],
  ['listen', '--listen'], ['publicUrl', '--public-url'], ['baseDomain', '--base-domain'], ['routerPort', '--router-port'],
  ['databaseUrl', '--database-url'], ['redisUrl', '--redis-url'], ['redisPrefix', '--redis-prefix'],
];

export function register(program: Command, app: App): void {
  program.command('up').description('Start tspaasd and tspaas-router in the background (first start: prints the admin token once)')
    .option('--root <dir>', 'data root (TSPAAS_ROOT)', app.config.root)
    .option('--run-root <dir>', 'run root for sockets and pid files (TSPAAS_RUN)', app.config.runRoot)
    .option('--engine-only', 'start only the engine (no platform API, no router)')
    .option('--listen <host:port>', 'platform API listener (default 127.0.0.1:5080)')
    .option('--public-url <url>', 'URL clients reach the API at (default http://<listen>)')
    .option('--base-domain <domain>', 'apps answer on <app>.<domain>', 'localhost')
    .option('--router-port <n>', "the router's HTTP port", '80')
    .option('--router-https-port <n>', "the router's HTTPS port (0 = off)", '443')
    .option('--no-router', 'do not start tspaas-router')
    .option('--database-url <url>', 'external PostgreSQL (default: embedded, under <root>/platform/postgres)')
    .option('--redis-url <url>', 'external Redis (default: embedded, under <root>/platform/redis)')
    .option('--redis-prefix <prefix>', 'key prefix of the job queues in Redis (default tspaas)')
    .option('--runtime <name>', 'OCI runtime: crun, runc or auto')
    .option('--socket-group <group>', 'group that may use the engine socket')
    .option('--cgroup-parent <path>', 'parent cgroup of containers (default /tspaas)')
    .option('--log-level <level>', 'log level of tspaasd and the router (default info)')
    .option('--bridge <name>', 'bridge of the default network (default tspaas0)')
    .option('--bridge-subnet <cidr>', 'subnet of the default network (default 10.77.0.0/16)')
    .option('--network-pool <cidr>', 'pool of /24s for user networks (default 10.78.0.0/15)')
    .option('--bridge-prefix <prefix>', "prefix of user networks' bridges (default tsbr-)")
    .option('--timeout <seconds>', 'how long to wait for each daemon', '120')
    .action(app.action(async (ctx, f: UpFlags) => {
      const paths = daemonPaths(f.root, f.runRoot);
      const daemon = await upDaemon(ctx, f, paths);
      const router = f.engineOnly || !f.router ? null : await upRouter(ctx, f, paths);
      const adminToken = f.engineOnly ? null : await takeAdminToken(paths);
      const api = f.engineOnly ? null : (await readPlatformInfo(paths))?.publicUrl ?? null;
      const state = { ...daemon, api, router, adminToken, socket: `unix://${paths.socketPath}`, log: paths.logFile, root: paths.root, runRoot: paths.runRoot };
      ctx.print(state, () => describe(state));
    }));
}

/** Start tspaasd unless its pid file names a live process. */
async function upDaemon(ctx: CliContext, f: UpFlags, paths: DaemonPaths): Promise<{ started: boolean; pid: number }> {
  const pid = await livePid(paths.pidFile);
  if (pid !== undefined) return { started: false, pid };
  const extra = PASSED.flatMap(([key, flag]) => (f[key] ? [flag, String(f[key])] : []));
  const child = await spawnDaemon(ctx.config.daemon.command, [...ctx.config.daemon.args, ...extra, ...(f.engineOnly ? ['--engine-only'] : [])], paths);
  await waitUntilReady(child, paths, Number(f.timeout) * 1000, !!f.engineOnly);
  return { started: true, pid: child.pid! };
}

/** Start the router on tspaasd's database unless it runs; it outlives tspaasd restarts. */
async function upRouter(ctx: CliContext, f: UpFlags, paths: DaemonPaths): Promise<{ started: boolean; pid: number; url: string; log: string }> {
  const url = `http://${f.baseDomain}${f.routerPort === '80' ? '' : `:${f.routerPort}`}`;
  const running = await livePid(paths.routerPidFile);
  if (running !== undefined) return { started: false, pid: running, url, log: paths.routerLogFile };
  const info = await readPlatformInfo(paths);
  if (!info) throw invalid(`tspaasd runs without the platform (started with --engine-only?): no ${paths.platformFile}; run tspaas down, then tspaas up`);
  const args = ['--database-url', info.databaseUrl, '--http-port', f.routerPort, '--https-port', f.routerHttpsPort,
    '--base-domain', f.baseDomain, '--state-dir', `${paths.root}/router`, ...(f.logLevel ? ['--log-level', f.logLevel] : [])];
  const child = await spawnRouter(ctx.config.daemon.command, [...routerArgs(ctx.config.daemon.args), ...args], paths);
  await waitForPort(child, Number(f.routerPort), paths.routerLogFile, Number(f.timeout) * 1000);
  return { started: true, pid: child.pid!, url, log: paths.routerLogFile };
}

function describe(s: { started: boolean; pid: number; api: string | null; router: { started: boolean; pid: number; url: string } | null; adminToken: string | null; socket: string; log: string }): string {
  const lines = [`tspaasd ${s.started ? 'started' : 'is already running'} (pid ${s.pid})`];
  if (s.api) lines.push(`API: ${s.api}`);
  if (s.router) lines.push(`Router: ${s.router.url} (${s.router.started ? 'started' : 'already running'}, pid ${s.router.pid}); apps answer on http://<app>.${s.router.url.slice(7)}`);
  lines.push(`Engine API: ${s.socket}`, `Logs: ${s.log}`);
  if (s.adminToken) lines.push('', `Admin token (shown only this once): ${s.adminToken}`, `Log in with: tspaas login ${s.api} --token ${s.adminToken}`);
  return lines.join('\n');
}
