/**
 * Network and endpoint options through the Engine API, as docker-py's
 * api_network_test and the docker CLI use them: --ip-range and --aux-address,
 * the bridge driver's options, names with spaces, link-local addresses,
 * endpoint driver options and links on a user network (answered by the
 * network's DNS responder to the linking container only), --mac-address. A real tspaasd
 * with its own bridges and subnets (test/helpers/network-slot.ts), driven by
 * dockerode and the stock docker CLI when installed.
 */
import test, { type ExecutionContext } from 'ava';
import type Docker from 'dockerode';
import { run as exec } from '../../../lib/exec.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { demux } from './client.js';
import { docker, withDockerCli } from './cli.js';

let daemon: TestDaemon;

test.before(async () => {
  daemon = await startDaemon();
  const stream = await daemon.docker.pull('busybox');
  await new Promise((resolve, reject) => daemon.docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))));
});

test.after.always(async () => { await daemon?.cleanup(); });

/** The k-th /24 from the top of the daemon's pool. */
function subnet(k: number): { subnet: string; gateway: string; prefix: string } {
  const [a, b, c] = daemon.network.pool.split('.').map(Number);
  const prefix = `${a}.${b}.${c! + 127 - k}`;
  return { subnet: `${prefix}.0/24`, gateway: `${prefix}.1`, prefix };
}

async function runDetached(opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await daemon.docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], ...opts });
  await c.start();
  return c;
}

async function execIn(c: Docker.Container, cmd: string[]): Promise<{ out: string; code: number }> {
  const e = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const out = await demux(await e.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream);
  return { out: out.stdout + out.stderr, code: (await e.inspect()).ExitCode ?? -1 };
}

async function failure(t: ExecutionContext, p: Promise<unknown>): Promise<{ status: number; message: string }> {
  const err = await t.throwsAsync(p) as Error & { statusCode?: number; json?: { message?: string } };
  return { status: err?.statusCode ?? 0, message: err?.json?.message ?? err?.message ?? '' };
}

type EndpointView = { IPAddress: string; IPAMConfig: Record<string, unknown> | null; Links: string[] | null; DriverOpts: Record<string, string> | null };
const endpointOf = async (c: Docker.Container, network: string) => (await c.inspect()).NetworkSettings.Networks[network] as unknown as EndpointView;

test('dockerode: --ip-range and --aux-address: inspect shows them as given; addresses come from the range and never a reserved one', async (t) => {
  const s = subnet(0);
  const ipam = {
    Subnet: s.subnet, IPRange: `${s.prefix}.64/28`, Gateway: `${s.prefix}.66`,
    AuxiliaryAddresses: { a: `${s.prefix}.65`, b: `${s.prefix}.67` },
  };
  const network = await daemon.docker.createNetwork({ Name: 'no-range', IPAM: { Driver: 'default', Config: [ipam] } });
  // docker-py's test_create_network_with_ipam_config compares the whole config.
  t.deepEqual((await network.inspect() as { IPAM: { Config: unknown[] } }).IPAM.Config, [ipam]);
  const boxes = await Promise.all([0, 1, 2].map(() => runDetached({ HostConfig: { NetworkMode: 'no-range' } })));
  const ips = await Promise.all(boxes.map(async (b) => (await endpointOf(b, 'no-range')).IPAddress));
  // .64 is the range's first address; .65-.67 are aux/gateway: the first free ones are .64, .68, .69.
  t.deepEqual(ips.map((ip) => Number(ip.split('.')[3])).sort((a, b) => a - b), [64, 68, 69]);
  // A fixed address may lie outside the range (as in Docker), never on a reserved one.
  const fixed = await runDetached({ HostConfig: { NetworkMode: 'no-range' }, NetworkingConfig: { EndpointsConfig: { 'no-range': { IPAMConfig: { IPv4Address: `${s.prefix}.200` } } } } });
  t.is((await endpointOf(fixed, 'no-range')).IPAddress, `${s.prefix}.200`);
  const reserved = await daemon.docker.createContainer({
    Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'no-range' },
    NetworkingConfig: { EndpointsConfig: { 'no-range': { IPAMConfig: { IPv4Address: `${s.prefix}.65` } } } },
  });
  const refused = await failure(t, reserved.start());
  t.is(refused.status, 409);
  t.regex(refused.message, /reserved/);
  for (const c of [...boxes, fixed, reserved]) await c.remove({ force: true });
  await network.remove();
});

test('dockerode: address plans that cannot work are refused with 400 naming the problem', async (t) => {
  const s = subnet(1);
  const create = (name: string, cfg: object, extra: object = {}) => daemon.docker.createNetwork({ Name: name, IPAM: { Config: [cfg] }, ...extra });
  t.like(await failure(t, create('no-bad1', { Subnet: s.subnet, IPRange: '10.250.0.0/24' })), { status: 400 });
  t.regex((await failure(t, create('no-bad2', { Subnet: s.subnet, AuxiliaryAddresses: { x: '10.250.0.9' } }))).message, /aux address x=10\.250\.0\.9 is not in subnet/);
  t.regex((await failure(t, create('no-bad3', { Subnet: s.subnet, AuxiliaryAddresses: { gw: s.gateway } }))).message, /is the gateway/);
  t.regex((await failure(t, create('no-bad4', { IPRange: `${s.prefix}.0/25` }))).message, /needs a subnet/);
  t.regex((await failure(t, create('no-bad5', { Subnet: '2001:db8::/64' }))).message, /IPv6/);
  t.regex((await failure(t, create('no-bad6', { Subnet: s.subnet }, { EnableIPv6: true }))).message, /IPv6/);
  t.is((await daemon.docker.listNetworks({ filters: { name: ['no-bad'] } })).length, 0, 'nothing half-made');
});

test('dockerode: a network name with a space (docker-py test_create_remove_network_with_space_in_name); control characters refused', async (t) => {
  const created = await daemon.docker.createNetwork({ Name: 'test 01' }) as unknown as { id: string };
  t.is((await daemon.docker.getNetwork(encodeURIComponent('test 01')).inspect() as { Id: string }).Id, created.id);
  await daemon.docker.getNetwork(encodeURIComponent('test 01')).remove();
  t.is((await failure(t, daemon.docker.getNetwork(encodeURIComponent('test 01')).inspect())).status, 404);
  t.is((await failure(t, daemon.docker.createNetwork({ Name: 'bad\nname' }))).status, 400);
});

test('dockerode: bridge driver options are applied (bridge name, MTU, no masquerade) and unknown ones refused by name', async (t) => {
  const bridge = `tnb${process.pid % 100000}`;
  const network = await daemon.docker.createNetwork({
    Name: 'no-opts',
    Options: { 'com.docker.network.bridge.name': bridge, 'com.docker.network.driver.mtu': '1280', 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
  });
  const info = await network.inspect() as { Options: Record<string, string>; IPAM: { Config: Array<{ Subnet: string }> } };
  t.is(info.Options['com.docker.network.driver.mtu'], '1280');
  t.regex((await exec('ip', ['-o', 'link', 'show', 'dev', bridge])).stdout, /mtu 1280/);
  const nat = (await exec('iptables', ['-w', '-t', 'nat', '-S', 'TSPAAS-POSTROUTING'])).stdout;
  t.false(nat.includes(`tspaas:${bridge}`), nat);
  const box = await runDetached({ HostConfig: { NetworkMode: 'no-opts' } });
  t.regex((await execIn(box, ['ip', '-o', 'link', 'show', 'eth0'])).out, /mtu 1280/);
  t.regex((await failure(t, daemon.docker.createNetwork({ Name: 'no-opts2', Options: { 'com.docker.network.bridge.name': bridge } }))).message, /taken by network no-opts/);
  t.regex((await failure(t, daemon.docker.createNetwork({ Name: 'no-opts3', Options: { 'com.example.whatever': '1' } }))).message, /"com\.example\.whatever" is not supported/);
  t.regex((await failure(t, daemon.docker.createNetwork({ Name: 'no-opts4', Options: { 'com.docker.network.bridge.enable_icc': 'false' } }))).message, /enable_icc=false is not supported/);
  // The OWASP-style hostile case: a "bridge" that is the host's own interface must never be taken over.
  t.is((await failure(t, daemon.docker.createNetwork({ Name: 'no-opts5', Options: { 'com.docker.network.bridge.name': 'lo' } }))).status, 409);
  await box.remove({ force: true });
  await network.remove();
  t.not((await exec('ip', ['link', 'show', 'dev', bridge], { allowFailure: true })).code, 0, 'the bridge went with the network');
});

test('dockerode: link-local addresses and endpoint driver options (docker-py test_create_with_linklocal_ips, _driveropt); IPv6 refused', async (t) => {
  const box = await runDetached({
    HostConfig: { NetworkMode: 'bridge' },
    NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { LinkLocalIPs: ['169.254.8.8'] }, DriverOpts: { 'com.docker-py.setting': 'on' } } } },
  });
  const ep = await endpointOf(box, 'bridge');
  t.deepEqual(ep.IPAMConfig, { LinkLocalIPs: ['169.254.8.8'] });
  t.deepEqual(ep.DriverOpts, { 'com.docker-py.setting': 'on' });
  t.regex((await execIn(box, ['ip', '-o', '-4', 'addr', 'show', 'eth0'])).out, /inet 169\.254\.8\.8\/16/);
  const bad = (ec: object) => daemon.docker.createContainer({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { bridge: ec } } });
  t.regex((await failure(t, bad({ IPAMConfig: { LinkLocalIPs: ['10.0.0.1'] } }))).message, /invalid link-local IP address: 10\.0\.0\.1/);
  t.regex((await failure(t, bad({ IPAMConfig: { IPv6Address: '2001:db8::1' } }))).message, /IPv6/);
  await box.remove({ force: true });
});

test('dockerode: --link on a user network answers the alias to the linking container only, also for a target started later', async (t) => {
  await daemon.docker.createNetwork({ Name: 'no-links' });
  const me = await runDetached({
    name: 'no-me', HostConfig: { NetworkMode: 'no-links' },
    NetworkingConfig: { EndpointsConfig: { 'no-links': { Links: ['no-upstream:bar'] } } },
  });
  t.deepEqual((await endpointOf(me, 'no-links')).Links, ['no-upstream:bar']);
  const upstream = await runDetached({ name: 'no-upstream', HostConfig: { NetworkMode: 'no-links' } });
  const ip = (await endpointOf(upstream, 'no-links')).IPAddress;
  const asked = await execIn(me, ['nslookup', 'bar']);
  t.is(asked.code, 0, asked.out);
  t.true(asked.out.includes(ip), asked.out);
  const other = await runDetached({ HostConfig: { NetworkMode: 'no-links' } });
  t.false((await execIn(other, ['nslookup', 'bar'])).out.includes(ip), 'another container does not see the alias');
  // network connect with links (docker-py test_connect_with_links).
  await daemon.docker.getNetwork('no-links').disconnect({ Container: other.id });
  await daemon.docker.getNetwork('no-links').connect({ Container: other.id, EndpointConfig: { Links: ['no-upstream:baz'] } });
  t.deepEqual((await endpointOf(other, 'no-links')).Links, ['no-upstream:baz']);
  t.true((await execIn(other, ['nslookup', 'baz'])).out.includes(ip));
  for (const c of [me, upstream, other]) await c.remove({ force: true });
  await daemon.docker.getNetwork('no-links').remove();
});

test('dockerode: --mac-address as docker-py (Config.MacAddress) and API 1.44 clients (endpoint MacAddress) send it; the interface has it and still talks; bad ones refused', async (t) => {
  // docker-py 5's test_create_with_mac_address: the container-wide field, on the default network.
  const legacy = await runDetached({ MacAddress: '02:42:AC:11:00:0A' } as Docker.ContainerCreateOptions);
  t.is(((await legacy.inspect()).NetworkSettings as unknown as { MacAddress: string }).MacAddress, '02:42:ac:11:00:0a');
  t.regex((await execIn(legacy, ['cat', '/sys/class/net/eth0/address'])).out, /^02:42:ac:11:00:0a$/m);
  await daemon.docker.createNetwork({ Name: 'no-mac' });
  const peer = await runDetached({ HostConfig: { NetworkMode: 'no-mac' } });
  const fixed = await daemon.docker.createContainer({
    Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'no-mac' },
    NetworkingConfig: { EndpointsConfig: { 'no-mac': { MacAddress: '0a:00:00:00:be:ef' } } },
  });
  t.is((await endpointOf(fixed, 'no-mac') as unknown as { MacAddress: string }).MacAddress, '0a:00:00:00:be:ef', 'shown before the start');
  await fixed.start();
  t.is((await endpointOf(fixed, 'no-mac') as unknown as { MacAddress: string }).MacAddress, '0a:00:00:00:be:ef');
  // The peer reaches it, so the address table of the bridge and the peer's neighbour entry follow the MAC.
  const ip = (await endpointOf(fixed, 'no-mac')).IPAddress;
  const ping = await execIn(peer, ['ping', '-c', '1', '-W', '5', ip]);
  t.is(ping.code, 0, ping.out);
  t.regex((await execIn(peer, ['ip', 'neigh', 'show', ip])).out, /lladdr 0a:00:00:00:be:ef/);
  // A restart keeps it.
  await fixed.restart({ t: 1 });
  t.regex((await execIn(fixed, ['cat', '/sys/class/net/eth0/address'])).out, /^0a:00:00:00:be:ef$/m);
  const bad = (body: object) => daemon.docker.createContainer({ Image: 'busybox', ...body } as Docker.ContainerCreateOptions);
  t.regex((await failure(t, bad({ MacAddress: '02:42:ac:11:00' }))).message, /invalid MAC address/);
  t.regex((await failure(t, bad({ MacAddress: '01:00:5e:00:00:01' }))).message, /multicast/);
  t.regex((await failure(t, bad({ MacAddress: '02:00:00:00:00:01', HostConfig: { NetworkMode: 'host' } }))).message, /mac-address and the network mode/);
  t.regex((await failure(t, bad({
    MacAddress: '02:00:00:00:00:01', HostConfig: { NetworkMode: 'no-mac' },
    NetworkingConfig: { EndpointsConfig: { 'no-mac': { MacAddress: '02:00:00:00:00:02' } } },
  }))).message, /must match the endpoint-specific MAC address/);
  for (const c of [legacy, peer, fixed]) await c.remove({ force: true });
  await daemon.docker.getNetwork('no-mac').remove();
});

test('dockerode: rm --link (docker-py test_remove_link) drops a legacy link: the containers stay; the next start has no hosts entry for it', async (t) => {
  const target = await runDetached({ name: 'no-target' });
  const user = await runDetached({ name: 'no-user', HostConfig: { Links: ['no-target:mylink'] } });
  t.regex((await execIn(user, ['cat', '/etc/hosts'])).out, /\smylink(\s|$)/m);
  await daemon.docker.getContainer('no-user/mylink').remove({ link: true });
  t.deepEqual((await user.inspect()).HostConfig.Links ?? [], []);
  t.is((await target.inspect()).State.Running, true, 'the linked container stays');
  t.is((await failure(t, daemon.docker.getContainer('no-user/mylink').remove({ link: true }))).status, 404, 'gone already');
  t.is((await failure(t, daemon.docker.getContainer('no-user/mylink').remove())).status, 404, 'without link=1 it names no container');
  await user.restart({ t: 1 });
  t.notRegex((await execIn(user, ['cat', '/etc/hosts'])).out, /\smylink(\s|$)/m);
  for (const c of [user, target]) await c.remove({ force: true });
});

withDockerCli(() => {
  const cli = (args: string[]) => docker(daemon.socket, args);
  async function ok(t: ExecutionContext, args: string[]): Promise<string> {
    const r = await cli(args);
    t.is(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  test('docker CLI: network create --ip-range --aux-address -o mtu, run --link-local-ip, run --network --link to a container started later', async (t) => {
    const s = subnet(2);
    await ok(t, ['network', 'create', '--subnet', s.subnet, '--ip-range', `${s.prefix}.128/25`, '--aux-address', `r=${s.prefix}.128`,
      '-o', 'com.docker.network.driver.mtu=1300', 'cno-net']);
    t.is(await ok(t, ['network', 'inspect', 'cno-net', '-f', '{{range .IPAM.Config}}{{.IPRange}} {{.AuxiliaryAddresses.r}}{{end}}']), `${s.prefix}.128/25 ${s.prefix}.128`);
    await ok(t, ['run', '-d', '--name', 'cno-a', '--network', 'cno-net', '--link', 'cno-b:up', '--link-local-ip', '169.254.9.9', 'busybox', 'sleep', '300']);
    t.is(await ok(t, ['inspect', 'cno-a', '-f', '{{(index .NetworkSettings.Networks "cno-net").IPAddress}}']), `${s.prefix}.129`);
    t.regex(await ok(t, ['exec', 'cno-a', 'ip', '-o', 'link', 'show', 'eth0']), /mtu 1300/);
    t.regex(await ok(t, ['exec', 'cno-a', 'ip', '-o', 'addr', 'show', 'eth0']), /inet 169\.254\.9\.9\/16/);
    await ok(t, ['run', '-d', '--name', 'cno-b', '--network', 'cno-net', 'busybox', 'sleep', '300']);
    t.regex(await ok(t, ['exec', 'cno-a', 'nslookup', 'up']), new RegExp(`${s.prefix.replace(/\./g, '\\.')}\\.130`));
    await ok(t, ['rm', '-f', 'cno-a', 'cno-b']);
    await ok(t, ['network', 'rm', 'cno-net']);
  });

  test('docker CLI: run --mac-address sets the interface\'s MAC; inspect shows it', async (t) => {
    await ok(t, ['run', '-d', '--name', 'cno-mac', '--mac-address', '02:42:ac:11:00:42', 'busybox', 'sleep', '300']);
    t.is(await ok(t, ['exec', 'cno-mac', 'cat', '/sys/class/net/eth0/address']), '02:42:ac:11:00:42');
    t.is(await ok(t, ['inspect', 'cno-mac', '-f', '{{.NetworkSettings.Networks.bridge.MacAddress}}']), '02:42:ac:11:00:42');
    const bad = await cli(['run', '--rm', '--mac-address', '01:00:5e:00:00:01', 'busybox', 'true']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /multicast/);
    await ok(t, ['rm', '-f', 'cno-mac']);
  });
});
