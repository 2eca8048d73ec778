/**
 * Networking through the Engine API, end to end: a real tspaasd (its own
 * bridges and subnets, see test/helpers/network-slot.ts) driven by dockerode
 * (always) and the stock docker CLI (when installed, see cli.ts). Traffic
 * goes only to 127.0.0.1 and to the test networks' own addresses.
 */
import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import net from 'node:net';
import type Docker from 'dockerode';
import { run as exec } from '../../../lib/exec.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { demux } from './client.js';
import { docker, withDockerCli, type CliResult } from './cli.js';

let daemon: TestDaemon;

test.before(async () => {
  daemon = await startDaemon();
  const stream = await daemon.docker.pull('busybox');
  await new Promise((resolve, reject) => daemon.docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))));
});

test.after.always(async () => { await daemon?.cleanup(); });

const HTTPD = ['sh', '-c', 'mkdir -p /www && echo hello from tspaas > /www/index.html && exec httpd -f -p 80 -h /www'];
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** The k-th /24 from the top of the daemon's pool (networks created without --subnet take them from the bottom). */
function subnet(k: number): { subnet: string; gateway: string; prefix: string } {
  const [a, b, c] = daemon.network.pool.split('.').map(Number);
  const prefix = `${a}.${b}.${c! + 127 - k}`;
  return { subnet: `${prefix}.0/24`, gateway: `${prefix}.1`, prefix };
}

/** The first three octets of the default network `bridge`. */
const defaultPrefix = () => daemon.network.subnet.split('.').slice(0, 3).join('.');

async function runDetached(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await daemon.docker.createContainer({ Image: 'busybox', ...opts });
  await c.start();
  return c;
}

async function execIn(c: Docker.Container, cmd: string[]): Promise<string> {
  const exec = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  return (await demux(await exec.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream)).stdout;
}

/** Create, start and wait like `docker run`; output and exit code. */
async function run(opts: Docker.ContainerCreateOptions): Promise<{ stdout: string; code: number }> {
  const c = await daemon.docker.createContainer({ Image: 'busybox', ...opts, HostConfig: { ...opts.HostConfig, AutoRemove: true } });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const waited = c.wait({ condition: 'removed' });
  await c.start();
  const out = await demux(stream);
  return { stdout: out.stdout + out.stderr, code: (await waited).StatusCode };
}

/** A TCP port nothing on 127.0.0.1 listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** GET http://127.0.0.1:<port>/, retried while the server in the container starts; a failure names the host's DNAT rules for the port. */
async function httpGet(port: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => { body += d.toString(); }).on('end', () => resolve(body)).on('error', reject);
        }).on('error', reject).on('timeout', function (this: http.ClientRequest) { this.destroy(new Error('timeout')); });
      });
    } catch (err) {
      if (Date.now() > deadline) {
        const nat = (await exec('iptables', ['-w', '-t', 'nat', '-S'], { allowFailure: true })).stdout.split('\n').filter((l) => l.includes(`--dport ${port} `));
        throw new Error(`GET 127.0.0.1:${port}: ${(err as Error).message}; DNAT rules for the port:\n${nat.join('\n')}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The parts of network inspect the tests read (dockerode types them loosely). */
interface NetworkView {
  IPAM: { Config: Array<{ Subnet: string; Gateway: string }> };
  Containers: Record<string, { Name: string; IPv4Address: string; MacAddress: string }>;
  Internal: boolean;
}
const inspectNetwork = async (n: Docker.Network) => (await n.inspect()) as NetworkView;

/** Inspect's NetworkSettings with the default-network fields dockerode's types lack. */
interface SettingsView {
  IPAddress: string;
  Gateway: string;
  MacAddress: string;
  SandboxKey: string;
  Networks: Record<string, { IPAddress: string }>;
}
const settingsOf = async (c: Docker.Container) => (await c.inspect()).NetworkSettings as unknown as SettingsView;

async function statusOf(t: ExecutionContext, p: Promise<unknown>): Promise<number> {
  const err = await t.throwsAsync(p) as Error & { statusCode?: number };
  return err?.statusCode ?? 0;
}

test.serial('dockerode: prune removes only unused user networks; dangling filter', async (t) => {
  const client = daemon.docker;
  await client.createNetwork({ Name: 'dp-unused' });
  const used = await client.createNetwork({ Name: 'dp-used' });
  const box = await runDetached({ Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'dp-used' } });
  const dangling = await client.listNetworks({ filters: { dangling: ['true'] } });
  t.deepEqual(dangling.map((n) => n.Name), ['dp-unused']);
  const pruned = await client.pruneNetworks() as { NetworksDeleted: string[] };
  t.deepEqual(pruned.NetworksDeleted, ['dp-unused']);
  await box.remove({ force: true });
  await used.remove();
});

test('dockerode: network create (pool, --subnet, --internal), list filters, inspect, remove; Docker\'s status codes', async (t) => {
  const client = daemon.docker;
  const s = subnet(0);
  const auto = await client.createNetwork({ Name: 'dn-auto' });
  const fixed = await client.createNetwork({
    Name: 'dn-fixed', Driver: 'bridge', Internal: true, Labels: { purpose: 'test' }, IPAM: { Driver: 'default', Config: [{ Subnet: s.subnet, Gateway: s.gateway }] },
  });
  t.like(await fixed.inspect(), {
    Name: 'dn-fixed', Id: fixed.id, Driver: 'bridge', Scope: 'local', Internal: true, EnableIPv6: false, Labels: { purpose: 'test' },
    IPAM: { Driver: 'default', Config: [{ Subnet: s.subnet, Gateway: s.gateway }] }, Containers: {},
  });
  const autoInfo = await inspectNetwork(auto);
  t.regex(autoInfo.IPAM.Config[0].Subnet, /^10\.\d+\.\d+\.0\/24$/);
  t.is(autoInfo.IPAM.Config[0].Gateway, autoInfo.IPAM.Config[0].Subnet.replace(/0\/24$/, '1'));
  t.is(autoInfo.Internal, false);
  const builtin = await client.listNetworks({ filters: { type: ['builtin'] } });
  t.deepEqual(builtin.map((n) => `${n.Name}:${n.Driver}`).sort(), ['bridge:bridge', 'host:host', 'none:null']);
  t.deepEqual((await client.listNetworks({ filters: { label: ['purpose=test'] } })).map((n) => n.Name), ['dn-fixed']);
  t.true((await client.listNetworks({ filters: { name: ['dn-'] } })).length >= 2);
  t.is(await statusOf(t, client.getNetwork('dn-nosuch').inspect()), 404);
  t.is(await statusOf(t, client.getNetwork('bridge').remove()), 403);
  t.is(await statusOf(t, client.createNetwork({ Name: 'dn-auto' })), 409);
  t.is(await statusOf(t, client.createNetwork({ Name: 'dn-bad', IPAM: { Config: [{ Subnet: '10.1.2.3/24' }] } })), 400);
  t.is(await statusOf(t, client.createNetwork({ Name: 'dn-v6', EnableIPv6: true })), 400);
  await auto.remove();
  await fixed.remove();
  t.is(await statusOf(t, fixed.inspect()), 404);
});

test('dockerode: containers on a user network find each other by name and alias; inspect shows the endpoint; rm refused while in use', async (t) => {
  const client = daemon.docker;
  const network = await client.createNetwork({ Name: 'dn-names' });
  const server = await runDetached({
    name: 'dn-server', Cmd: ['sh', '-c', 'echo pong | nc -l -p 7000; sleep 300'],
    HostConfig: { NetworkMode: 'dn-names' }, NetworkingConfig: { EndpointsConfig: { 'dn-names': { Aliases: ['db'] } } },
  });
  const netInfo = await inspectNetwork(network);
  const ep = (await server.inspect()).NetworkSettings.Networks['dn-names']!;
  t.like(ep, { NetworkID: network.id, Gateway: netInfo.IPAM.Config[0].Gateway, IPPrefixLen: 24, Aliases: ['db'] });
  t.regex(ep.MacAddress, MAC);
  t.regex(ep.EndpointID, /^[0-9a-f]{64}$/);
  t.is(ep.IPAddress.split('.').slice(0, 3).join('.'), netInfo.IPAM.Config[0].Subnet.split('.').slice(0, 3).join('.'));
  t.like(netInfo.Containers[server.id], { Name: 'dn-server', IPv4Address: `${ep.IPAddress}/24`, MacAddress: ep.MacAddress });
  const client1 = await run({ Cmd: ['sh', '-c', 'ping -c1 -W2 dn-server && ping -c1 -W2 db && nc -w 3 db 7000'], HostConfig: { NetworkMode: 'dn-names' } });
  t.is(client1.code, 0, client1.stdout);
  t.true(client1.stdout.includes(`PING dn-server (${ep.IPAddress})`), client1.stdout);
  t.true(client1.stdout.includes(`PING db (${ep.IPAddress})`), client1.stdout);
  t.regex(client1.stdout, /pong/);
  t.is(await statusOf(t, network.remove()), 409);
  await server.remove({ force: true });
  await network.remove();
});

test('dockerode: network connect / disconnect a running container; default-network fields of inspect', async (t) => {
  const client = daemon.docker;
  const s = subnet(1);
  const network = await client.createNetwork({ Name: 'dn-conn', IPAM: { Config: [{ Subnet: s.subnet }] } });
  const box = await runDetached({ Cmd: ['sleep', '300'] });
  const before = await settingsOf(box);
  const bridge = before.Networks.bridge!;
  t.is(before.IPAddress, bridge.IPAddress);
  t.true(bridge.IPAddress.startsWith(`${defaultPrefix()}.`));
  t.is(before.Gateway, `${defaultPrefix()}.1`);
  t.regex(before.MacAddress, MAC);
  t.truthy(before.SandboxKey);
  t.notRegex(await execIn(box, ['ip', '-o', '-4', 'addr']), /eth1/);

  await network.connect({ Container: box.id, EndpointConfig: { Aliases: ['extra'], IPAMConfig: { IPv4Address: `${s.prefix}.9` } } });
  t.regex(await execIn(box, ['ip', '-o', '-4', 'addr']), new RegExp(`eth1\\s+inet ${s.prefix.replace(/\./g, '\\.')}\\.9/24`));
  t.like((await box.inspect()).NetworkSettings.Networks['dn-conn'], { IPAddress: `${s.prefix}.9`, Aliases: ['extra'], Gateway: s.gateway });
  t.is(await statusOf(t, network.connect({ Container: box.id })), 409, 'already connected');

  await network.disconnect({ Container: box.id });
  t.notRegex(await execIn(box, ['ip', '-o', '-4', 'addr']), /eth1/);
  t.deepEqual(Object.keys((await box.inspect()).NetworkSettings.Networks), ['bridge']);
  await box.remove({ force: true });
  await network.remove();
});

test('dockerode: a published port answers on 127.0.0.1; -P picks a host port; inspect and ps show them', async (t) => {
  const client = daemon.docker;
  const port = await freePort();
  const web = await runDetached({ Cmd: HTTPD, ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } } });
  t.is(await httpGet(port), 'hello from tspaas\n');
  const info = await web.inspect();
  t.deepEqual(info.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  t.deepEqual(info.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  const [listed] = await client.listContainers({ filters: { id: [web.id] } });
  t.deepEqual(listed!.Ports, [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: port, Type: 'tcp' }]);

  const all = await runDetached({ Cmd: HTTPD, ExposedPorts: { '80/tcp': {}, '81/tcp': {} }, HostConfig: { PublishAllPorts: true } });
  const ports = (await all.inspect()).NetworkSettings.Ports;
  t.is(ports['80/tcp']![0]!.HostIp, '0.0.0.0');
  const picked = Number(ports['80/tcp']![0]!.HostPort);
  t.true(picked > 0 && picked !== Number(ports['81/tcp']![0]!.HostPort));
  t.is(await httpGet(picked), 'hello from tspaas\n');
  await web.remove({ force: true });
  await all.remove({ force: true });
});

test('dockerode: /events reports network create, connect, disconnect, destroy in Docker\'s shape', async (t) => {
  const client = daemon.docker;
  const since = Math.floor(Date.now() / 1000);
  const network = await client.createNetwork({ Name: 'dn-events' });
  const box = await client.createContainer({ Image: 'busybox', Cmd: ['true'] });
  await network.connect({ Container: box.id });
  await network.disconnect({ Container: box.id });
  await network.remove();
  await box.remove();
  const until = Math.floor(Date.now() / 1000) + 1;
  const stream = await client.getEvents({ since, until, filters: { type: ['network'], network: ['dn-events'] } }) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  const events = text.trim().split('\n').map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
  t.deepEqual(events.map((e) => e.Action), ['create', 'connect', 'disconnect', 'destroy']);
  for (const e of events) t.like(e, { Type: 'network', Actor: { ID: network.id, Attributes: { name: 'dn-events', type: 'bridge' } } });
  t.is(events[1]!.Actor.Attributes.container, box.id);
});

withDockerCli(() => {
  const cli = (args: string[]) => docker(daemon.socket, args);
  async function ok(t: ExecutionContext, args: string[]): Promise<string> {
    const r: CliResult = await cli(args);
    t.is(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  test('docker CLI: network create/ls/inspect, run --network --network-alias, names, connect/disconnect, rm', async (t) => {
    const s = subnet(2);
    await ok(t, ['network', 'create', 'cn-a']);
    await ok(t, ['network', 'create', '--subnet', s.subnet, '--internal', 'cn-b']);
    const ls = await ok(t, ['network', 'ls', '--filter', 'name=cn-', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
    t.deepEqual(ls.split('\n').sort(), ['cn-a bridge local', 'cn-b bridge local']);
    t.is(await ok(t, ['network', 'inspect', 'cn-b', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Internal}}']), `${s.subnet} ${s.gateway} true`);

    await ok(t, ['run', '-d', '--name', 'cn-srv', '--network', 'cn-a', '--network-alias', 'web', 'busybox', 'sleep', '300']);
    const ip = await ok(t, ['inspect', 'cn-srv', '-f', '{{(index .NetworkSettings.Networks "cn-a").IPAddress}}']);
    t.is(await ok(t, ['network', 'inspect', 'cn-a', '-f', '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}']), `cn-srv ${ip}/24`);
    const pings = await ok(t, ['run', '--rm', '--network', 'cn-a', 'busybox', 'sh', '-c', 'ping -c1 -W2 cn-srv && ping -c1 -W2 web']);
    t.true(pings.includes(`PING cn-srv (${ip})`) && pings.includes(`PING web (${ip})`), pings);

    await ok(t, ['network', 'connect', 'cn-b', 'cn-srv']);
    t.regex(await ok(t, ['exec', 'cn-srv', 'ip', '-o', '-4', 'addr']), new RegExp(`eth1\\s+inet ${s.prefix.replace(/\./g, '\\.')}\\.\\d+/24`));
    await ok(t, ['network', 'disconnect', 'cn-b', 'cn-srv']);
    t.notRegex(await ok(t, ['exec', 'cn-srv', 'ip', '-o', '-4', 'addr']), /eth1/);

    const refused = await cli(['network', 'rm', 'cn-a']);
    t.not(refused.code, 0);
    t.regex(refused.stderr, /active endpoints/);
    await ok(t, ['rm', '-f', 'cn-srv']);
    await ok(t, ['network', 'rm', 'cn-a', 'cn-b']);
  });

  test('docker CLI: run -p 127.0.0.1:<port>:80 answers from the host; docker port, ps PORTS; -P with --expose; inspect addresses', async (t) => {
    const port = await freePort();
    await ok(t, ['run', '-d', '--name', 'cp-web', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    t.is(await httpGet(port), 'hello from tspaas\n');
    t.is(await ok(t, ['port', 'cp-web']), `80/tcp -> 127.0.0.1:${port}`);
    t.is(await ok(t, ['ps', '--filter', 'name=cp-web', '--format', '{{.Ports}}']), `127.0.0.1:${port}->80/tcp`);
    const addr = await ok(t, ['inspect', 'cp-web', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}} {{.NetworkSettings.Networks.bridge.IPAddress}}']);
    const [ip, gateway, mac, bridgeIp] = addr.split(' ');
    t.true(ip!.startsWith(`${defaultPrefix()}.`), addr);
    t.is(gateway, `${defaultPrefix()}.1`);
    t.regex(mac!, MAC);
    t.is(bridgeIp, ip);

    await ok(t, ['run', '-d', '--name', 'cp-all', '-P', '--expose', '80', 'busybox', ...HTTPD]);
    const mapped = await ok(t, ['port', 'cp-all', '80']);
    t.regex(mapped, /^0\.0\.0\.0:\d+$/);
    t.is(await httpGet(Number(mapped.split(':')[1])), 'hello from tspaas\n');
    await ok(t, ['rm', '-f', 'cp-web', 'cp-all']);
  });
});
