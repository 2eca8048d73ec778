/**
 * The `tspaas` CLI's networking commands as a real process against a real
 * tspaasd (its own bridges and subnets, see test/helpers/network-slot.ts):
 * user networks with names and aliases, connect/disconnect, published ports
 * fetched from the host. Serial: `network prune` would take another test's
 * fresh network.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { freePort, httpGet } from '../helpers/netns.js';
import { programArgs } from '../helpers/programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = programArgs('cli/main');

interface Result { code: number; stdout: string; stderr: string }

let daemon: TestDaemon;

test.before(async () => {
  daemon = await startDaemon();
  await ok(['image', 'pull', 'busybox']);
});

test.after.always(async () => { await daemon?.cleanup(); });

/** Run `tspaas …` against the test daemon; resolves with its exit code and output. */
function tspaas(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TSPAAS_ENGINE_SOCK: daemon.socket };
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Run `tspaas …` and fail unless it exits 0; its stdout. */
async function ok(args: string[]): Promise<string> {
  const r = await tspaas(args);
  if (r.code !== 0) throw new Error(`tspaas ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Retry `fn` until it resolves (a server in a container may take a moment to listen). */
async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The n-th /24 of the daemon's pool (a subnet of its own that nothing else uses). */
function subnetOfPool(n: number): string {
  const [a, b, c] = daemon.network.pool.split('.').map(Number);
  return `${a}.${b}.${c! + n}.0/24`;
}

/** A busybox httpd serving `text` as its index page. */
const httpd = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

interface NetworkInspect { Id: string; Name: string; Driver: string; IPAM: { Config: { Subnet: string; Gateway?: string }[] }; Labels: Record<string, string> }
interface ContainerNetworks { NetworkSettings: { Networks: Record<string, { IPAddress: string; Aliases?: string[] | null }> } }

test.serial('network create, ls and inspect; containers on it reach each other by alias; rm is refused while one runs', async (t) => {
  const subnet = subnetOfPool(9);
  const id = (await ok(['network', 'create', '--subnet', subnet, '--label', 'e2e=yes', 'e2e-net'])).trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.regex(await ok(['network', 'ls']), new RegExp(`^${id.slice(0, 12)} +e2e-net +bridge +local$`, 'm'));
  t.is(await ok(['network', 'ls', '-q', '--filter', 'label=e2e=yes']), `${id.slice(0, 12)}\n`);
  const [net] = JSON.parse(await ok(['network', 'inspect', 'e2e-net'])) as NetworkInspect[];
  t.like(net, { Id: id, Name: 'e2e-net', Driver: 'bridge', Labels: { e2e: 'yes' } });
  t.is(net!.IPAM.Config[0]?.Subnet, subnet);

  await ok(['container', 'run', '-d', '--name', 'e2e-web', '--network', 'e2e-net', '--network-alias', 'web', 'busybox', ...httpd('on-net')]);
  const [web] = JSON.parse(await ok(['container', 'inspect', 'e2e-web'])) as ContainerNetworks[];
  const endpoint = web!.NetworkSettings.Networks['e2e-net'];
  t.truthy(endpoint, JSON.stringify(web!.NetworkSettings));
  t.true(endpoint!.IPAddress.startsWith(subnet.replace(/0\/24$/, '')), endpoint!.IPAddress);
  t.true(endpoint!.Aliases?.includes('web'), JSON.stringify(endpoint));
  const ping = await tspaas(['container', 'run', '--rm', '--network', 'e2e-net', 'busybox', 'ping', '-c1', '-W2', 'web']);
  t.is(ping.code, 0, ping.stdout + ping.stderr);
  t.true(ping.stdout.includes(`(${endpoint!.IPAddress})`), ping.stdout);

  const refused = await tspaas(['network', 'rm', 'e2e-net']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^tspaas: .+/);
  t.regex(await ok(['network', 'ls']), /e2e-net/);
  await ok(['container', 'rm', '-f', 'e2e-web']);
  t.is(await ok(['network', 'rm', 'e2e-net']), 'e2e-net\n');
  t.notRegex(await ok(['network', 'ls']), /e2e-net/);
});

test.serial('-p 127.0.0.1:PORT:80 and -P: container port and ls show the mappings, and the host fetches the page', async (t) => {
  const port = await freePort();
  await ok(['container', 'run', '-d', '--name', 'e2e-pub', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpd('published')]);
  t.is(await ok(['container', 'port', 'e2e-pub']), `80/tcp -> 127.0.0.1:${port}\n`);
  t.is(await ok(['container', 'port', 'e2e-pub', '80/tcp']), `127.0.0.1:${port}\n`);
  t.deepEqual(JSON.parse(await ok(['container', 'port', '--json', 'e2e-pub'])), { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  t.regex(await ok(['container', 'ls']), new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp +e2e-pub$`, 'm'));
  t.is(await eventually(() => httpGet(`http://127.0.0.1:${port}/`), 'the published page'), 'published\n');
  const unpublished = await tspaas(['container', 'port', 'e2e-pub', '81']);
  t.is(unpublished.code, 1);

  await ok(['container', 'run', '-d', '--name', 'e2e-all', '-P', '--expose', '80', 'busybox', ...httpd('all')]);
  const line = await ok(['container', 'port', 'e2e-all', '80']);
  const random = /^0\.0\.0\.0:(\d+)$/m.exec(line)?.[1];
  t.truthy(random, line);
  t.is(await eventually(() => httpGet(`http://127.0.0.1:${random}/`), 'the -P page'), 'all\n');
  await ok(['container', 'rm', '-f', 'e2e-pub', 'e2e-all']);
});

test.serial('network connect adds a running container with an alias; disconnect takes it off; prune removes unused networks', async (t) => {
  await ok(['network', 'create', 'e2e-extra']);
  await ok(['container', 'run', '-d', '--name', 'e2e-multi', 'busybox', 'sleep', '300']);
  t.is(await ok(['network', 'connect', '--alias', 'extra', 'e2e-extra', 'e2e-multi']), '');
  const networks = async () => Object.keys((JSON.parse(await ok(['container', 'inspect', 'e2e-multi'])) as ContainerNetworks[])[0]!.NetworkSettings.Networks).sort();
  t.deepEqual(await networks(), ['bridge', 'e2e-extra']);
  const ping = await tspaas(['container', 'run', '--rm', '--network', 'e2e-extra', 'busybox', 'ping', '-c1', '-W2', 'extra']);
  t.is(ping.code, 0, ping.stdout + ping.stderr);
  await ok(['network', 'disconnect', 'e2e-extra', 'e2e-multi']);
  t.deepEqual(await networks(), ['bridge']);
  await ok(['container', 'rm', '-f', 'e2e-multi']);
  t.regex(await ok(['network', 'prune', '-f']), /^Deleted Networks:\n(.+\n)*e2e-extra\n/);
  t.notRegex(await ok(['network', 'ls']), /e2e-extra/);
});
