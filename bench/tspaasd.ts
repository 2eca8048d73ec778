/**
 * Start and stop the engine under test: the built tspaasd (dist/platform/main.js;
 * the bench:* scripts that use it build first, so it is never a stale build)
 * with `--engine-only` (no platform listener on 127.0.0.1:5080, no embedded
 * PostgreSQL or Redis), on the bench's temporary root and run root, in its
 * own cgroup parent, with network settings of its own (bridges, subnets) so
 * it never clashes with a real tspaasd on the host. Stopping it also takes
 * its bridges and firewall rules off the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../lib/exec.js';
import { removeBridge } from '../runtime/network/bridge.js';
import { removeRules } from '../runtime/network/firewall.js';
import { request } from './api-run.js';

/** The bench engine's network settings (tspaasd --bridge, --bridge-subnet, --network-pool, --bridge-prefix). */
export interface BenchNetwork {
  bridge: string;
  subnet: string;
  pool: string;
  bridgePrefix: string;
}

/** Apart from a real engine's defaults (tspaas0, 10.77.0.0/16, 10.78.0.0/15, tsbr-). */
export const BENCH_NETWORK: BenchNetwork = Object.freeze({
  bridge: 'tspbench0', subnet: '10.76.0.0/24', pool: '10.76.128.0/17', bridgePrefix: 'tspb-',
});

export interface EngineProcess {
  socket: string;
  stop(): Promise<void>;
}

/**
 * Spawn tspaasd on `dir` with the network settings `net` and wait (up to a
 * minute) until its API answers /_ping. Refuses to start while another
 * engine runs with the same bridge (another benchmark), whose bridges
 * stopping this one would remove. `extraArgs` go to tspaasd as they are,
 * e.g. `['--storage-quota', 'off']` or `['--storage-size', '10G']` (with
 * `dir` on a quota filesystem) to time runs with and without disk quotas.
 */
export async function startEngine(repo: string, dir: string, net: BenchNetwork = BENCH_NETWORK, extraArgs: string[] = []): Promise<EngineProcess> {
  const runRoot = path.join(dir, 'run');
  const socket = path.join(runRoot, 'engine.sock');
  const daemon = path.join(repo, 'dist/platform/main.js');
  await fsp.access(daemon).catch(() => { throw new Error(`${daemon} is missing: run "npm run build" (or "bash scripts/setup.sh") first`); });
  const other = await engineOn(net.bridge);
  if (other) throw new Error(`another engine (pid ${other}) runs with bridge ${net.bridge}: wait until that benchmark ends`);
  await fsp.mkdir(runRoot, { recursive: true });
  const logFile = path.join(dir, 'tspaasd.log');
  const log = createWriteStream(logFile);
  const networkArgs = ['--bridge', net.bridge, '--bridge-subnet', net.subnet, '--network-pool', net.pool, '--bridge-prefix', net.bridgePrefix];
  const child = spawn(process.execPath, [daemon, '--engine-only', '--root', dir, '--run-root', runRoot, '--cgroup-parent', '/tspaas-bench', '--log-level', 'warn', ...networkArgs, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<unknown>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    await stopChild(child, exited);
    await removeNetworks(net);
  };
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    if (await request(socket, 'GET', '/_ping').then((r) => r.status === 200, () => false)) return { socket, stop };
    await sleep(100);
  }
  await stop();
  const tail = (await fsp.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-10).join('\n');
  throw new Error(`tspaasd did not come up:\n${tail}`);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** PID of a running tspaasd started with `--bridge <bridge>`, or null. */
async function engineOn(bridge: string): Promise<number | null> {
  for (const entry of await fsp.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await fsp.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const i = argv.indexOf('--bridge');
    if (i > 0 && argv[i + 1] === bridge && argv.some((a) => a.endsWith('platform/main.js'))) return Number(entry);
  }
  return null;
}

/**
 * Remove the firewall rules and the bridges of the engine's networks:
 * `net.bridge` and every `net.bridgePrefix*`, found among the host's bridges
 * and the `tspaas:<bridge>` comments of the rules (a bridge may be gone already).
 */
export async function removeNetworks(net: BenchNetwork): Promise<void> {
  const links = await run('ip', ['-j', 'link', 'show', 'type', 'bridge']);
  const names = new Set((JSON.parse(links.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname));
  for (const table of ['filter', 'nat']) {
    const rules = await run('iptables', ['-w', '-t', table, '-S'], { allowFailure: true });
    for (const m of rules.stdout.matchAll(/--comment "?tspaas:([^"\s]+)/g)) names.add(m[1]);
  }
  for (const bridge of [...names].filter((n) => n === net.bridge || n.startsWith(net.bridgePrefix))) {
    await removeRules(bridge);
    await removeBridge(bridge);
  }
}
