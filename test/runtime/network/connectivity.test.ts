/**
 * Container networking against the real engine: CNI bridge + host-local +
 * portmap, the engine's firewall rules and DNS responders. One engine for
 * the file (its own bridges and subnets, see test/helpers/network-slot.ts).
 * Traffic goes only to addresses of networks these tests create, and to
 * 127.0.0.1.
 */
import test from 'ava';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { createOutside, freePort, httpGet, listenOn, startServer } from '../../helpers/netns.js';
import { contains, parseIp, parseSubnet } from '../../../runtime/network/cidr.js';
import type { CreateOptions } from '../../../runtime/containers/types.js';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox');
});
test.after.always(async () => { await te?.cleanup(); });

/** Run a one-off busybox command on the engine; its output and exit code. */
const sh = (script: string, opts: Partial<CreateOptions> = {}) => runToEnd(te.engine, { image: 'busybox', cmd: ['sh', '-c', script], ...opts });

test('containers on the default network get distinct IPs in its subnet, reach each other by IP, and the host reaches them', async (t) => {
  const a = await startServer(te.engine, { cmd: 'echo from-a | nc -l -p 7000' });
  const b = await startServer(te.engine, { cmd: 'sleep 60' });
  const ipA = a.network!.endpoints[0].ipAddress;
  const ipB = b.network!.endpoints[0].ipAddress;
  const bridge = await te.engine.inspectNetwork('bridge');
  t.not(ipA, ipB);
  for (const ip of [ipA, ipB]) t.true(contains(parseSubnet(bridge.subnet), parseIp(ip)), `${ip} in ${bridge.subnet}`);
  t.is(a.network!.endpoints[0].gateway, bridge.gateway);
  const r = await sh(`nc -w 3 ${ipA} 7000 </dev/null`);
  t.is(r.stdout.trim(), 'from-a', r.stderr);
  // The host reaches a container's IP:port directly.
  const web = await startServer(te.engine, { cmd: httpd('hello-host') });
  t.is(await httpGet(`http://${web.network!.endpoints[0].ipAddress}:80/`), 'hello-host\n');
  t.deepEqual(bridge.containers.length >= 3, true);
});

test('each container has lo up, eth0, a default route via the gateway and its own /etc files', async (t) => {
  const r = await sh('ip -o -4 addr; ip route; cat /etc/hostname /etc/hosts /etc/resolv.conf', { hostname: 'box7' });
  const bridge = await te.engine.inspectNetwork('bridge');
  t.regex(r.stdout, /lo\s+inet 127\.0\.0\.1\/8/);
  const ip = /eth0\s+inet ([\d.]+)\/\d+/.exec(r.stdout)?.[1];
  t.truthy(ip, r.stdout);
  t.regex(r.stdout, new RegExp(`default via ${bridge.gateway.replace(/\./g, '\\.')} dev eth0`));
  t.regex(r.stdout, /^box7$/m);
  t.regex(r.stdout, new RegExp(`^${ip!.replace(/\./g, '\\.')}\\s+box7$`, 'm'));
  t.regex(r.stdout, /^nameserver /m);
});

test('on a user network containers resolve each other by name and alias; the default network has no names', async (t) => {
  const n = await te.engine.createNetwork({ name: 'names-net' });
  t.teardown(() => te.engine.removeNetwork(n.id).catch(() => undefined));
  const srv = await startServer(te.engine, { cmd: 'while true; do echo pong | nc -l -p 7001; done', name: 'pinger', networkMode: 'names-net', networks: { 'names-net': { aliases: ['db', 'Primary'] } } });
  const ip = srv.network!.endpoints[0].ipAddress;
  for (const name of ['pinger', 'db', 'primary', srv.record.id.slice(0, 12)]) {
    const r = await sh(`nc -w 3 ${name} 7001 </dev/null && ping -c1 -W2 ${name} | head -1`, { networkMode: 'names-net' });
    t.regex(r.stdout, /pong/, `${name}: ${r.stderr}`);
    t.true(r.stdout.includes(`(${ip})`), `${name} resolves to ${ip}: ${r.stdout}`);
  }
  const other = await sh('ping -c1 -W2 pinger', { networkMode: 'bridge' });
  t.not(other.exitCode, 0, 'no names on the default network');
});

test('--link gives a hosts entry and Docker\'s environment variables', async (t) => {
  const target = await startServer(te.engine, { cmd: 'echo linked | nc -l -p 6379', name: 'redisish', env: ['SECRET_MODE=on'], exposedPorts: { '6379/tcp': {} } });
  const ip = target.network!.endpoints[0].ipAddress;
  const r = await sh('env | grep ^CACHE_ | sort; nc -w 3 cache 6379 </dev/null', { links: [{ container: 'redisish', alias: 'cache' }], name: 'linker' });
  t.regex(r.stdout, new RegExp(`^CACHE_PORT=tcp://${ip}:6379$`, 'm'));
  t.regex(r.stdout, /^CACHE_PORT_6379_TCP_PORT=6379$/m);
  t.regex(r.stdout, /^CACHE_NAME=\/linker\/cache$/m);
  t.regex(r.stdout, /^CACHE_ENV_SECRET_MODE=on$/m);
  t.regex(r.stdout, /^linked$/m);
});

test('outbound NAT: a host outside (a namespace the test creates) sees the host\'s address, not the container\'s', async (t) => {
  const outside = await createOutside(te.config.network.pool);
  t.teardown(() => outside.remove());
  const port = 7100;
  const seen = outside.listen(port);
  const r = await sh(`echo hello | nc -w 3 ${outside.address} ${port}`);
  t.is(r.exitCode, 0, r.stderr);
  const got = await seen;
  t.is(got.data.trim(), 'hello');
  t.is(got.from, outside.hostAddress, 'masqueraded to the host side of the outside link');
});

test('-p 127.0.0.1:PORT:80 publishes a busybox httpd on the host\'s loopback; -P publishes EXPOSEd ports on free ports', async (t) => {
  const port = await freePort();
  const c = await startServer(te.engine, { cmd: httpd('published'), portBindings: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port }] });
  t.deepEqual(c.network!.ports, [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port }]);
  t.is(await httpGet(`http://127.0.0.1:${port}/`), 'published\n');
  const all = await startServer(te.engine, { cmd: httpd('all'), publishAllPorts: true, exposedPorts: { '80/tcp': {} } });
  const p = all.network!.ports.find((x) => x.containerPort === 80)!;
  t.true(p.hostPort > 0);
  t.is(p.hostIp, '', 'every address of the host');
  // Reachable on the host's loopback and on its other addresses (here: the default network's gateway, an address of the host).
  t.is(await httpGet(`http://127.0.0.1:${p.hostPort}/`), 'all\n');
  const gateway = (await te.engine.inspectNetwork('bridge')).gateway;
  t.is(await httpGet(`http://${gateway}:${p.hostPort}/`), 'all\n');
  // Taken ports are refused with Docker's message, and nothing is left half-attached.
  const dup = await te.engine.createContainer({ image: 'busybox', cmd: ['true'], portBindings: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: port }] });
  const err = await t.throwsAsync(te.engine.startContainer(dup.record.id));
  t.regex(err!.message, /port is already allocated/);
  t.is((await te.engine.getContainer(dup.record.id)).network, null);
});

test('isolation: two networks cannot reach each other; containers cannot reach services on the host; --internal has no way out', async (t) => {
  const [n1, n2] = [await te.engine.createNetwork({ name: 'iso-a' }), await te.engine.createNetwork({ name: 'iso-b' })];
  const inner = await te.engine.createNetwork({ name: 'iso-internal', internal: true });
  t.teardown(async () => { for (const n of [n1, n2, inner]) await te.engine.removeNetwork(n.id).catch(() => undefined); });
  const srvB = await startServer(te.engine, { cmd: 'while true; do echo b | nc -l -p 7200; done', networkMode: 'iso-b' });
  const ipB = srvB.network!.endpoints[0].ipAddress;
  const same = await sh(`nc -w 2 ${ipB} 7200 </dev/null`, { networkMode: 'iso-b' });
  t.is(same.stdout.trim(), 'b', 'the control: the same network reaches it');
  const cross = await sh(`nc -w 2 ${ipB} 7200 </dev/null; ping -c1 -W2 ${ipB}`, { networkMode: 'iso-a' });
  t.notRegex(cross.stdout, /^b$/m, 'no answer across networks');
  t.regex(cross.stdout, / 0 packets received/);
  t.not(cross.exitCode, 0);
  // A service on the host, on every address: reachable from the host through the gateway address, not from a container.
  const hostSrv = await listenOn('0.0.0.0', 0, 'host-secret');
  t.teardown(() => hostSrv.close());
  t.is(await httpGet(`http://${n1.gateway}:${hostSrv.port}/`), 'host-secret');
  const toHost = await sh(`nc -w 2 ${n1.gateway} ${hostSrv.port} </dev/null; nc -w 2 127.0.0.1 ${hostSrv.port} </dev/null; echo done`, { networkMode: 'iso-a' });
  t.is(toHost.stdout.trim(), 'done', 'neither the gateway address nor the container\'s own loopback reach it');
  // --internal: no default route, and no way to an outside host even by address.
  const outside = await createOutside(te.config.network.pool);
  t.teardown(() => outside.remove());
  const seen = outside.listen(7300, 4000);
  const internal = await sh(`ip route; echo x | nc -w 2 ${outside.address} 7300; echo rc=$?`, { networkMode: 'iso-internal' });
  t.notRegex(internal.stdout, /default/);
  t.regex(internal.stdout, /rc=1/);
  t.is(await seen.catch(() => null), null, 'nothing arrived outside');
  const routed = await sh(`echo y | nc -w 2 ${outside.address} 7301; echo rc=$?`, { networkMode: 'iso-a' });
  t.regex(routed.stdout, /rc=1/, 'the control: a normal network routes out (the port is closed, but it was reached)');
});

test('network create takes a subnet or picks a free /24; overlaps, duplicates and predefined names are refused', async (t) => {
  const n = await te.engine.createNetwork({ name: 'sub-auto' });
  t.teardown(() => te.engine.removeNetwork(n.id).catch(() => undefined));
  t.true(contains(parseSubnet(te.config.network.pool), parseIp(n.subnet.split('/')[0])));
  t.regex(n.subnet, /\/24$/);
  await t.throwsAsync(te.engine.createNetwork({ name: 'sub-auto' }), { message: /already exists/ });
  await t.throwsAsync(te.engine.createNetwork({ name: 'overlap', subnet: n.subnet }), { message: /overlaps/ });
  await t.throwsAsync(te.engine.createNetwork({ name: 'bad', subnet: '10.1.2.3/16' }), { message: /invalid subnet/ });
  await t.throwsAsync(te.engine.removeNetwork('bridge'), { message: /pre-defined/ });
  const fixed = await te.engine.createNetwork({ name: 'sub-fixed', subnet: nthOfPool(te.config.network.pool, 100) });
  t.teardown(() => te.engine.removeNetwork(fixed.id).catch(() => undefined));
  const c = await startServer(te.engine, { cmd: 'sleep 60', networkMode: 'sub-fixed', networks: { 'sub-fixed': { ipv4Address: fixed.gateway.replace(/\.1$/, '.77') } } });
  t.is(c.network!.endpoints[0].ipAddress, fixed.gateway.replace(/\.1$/, '.77'));
  await t.throwsAsync(te.engine.removeNetwork('sub-fixed'), { message: /active endpoints/ });
  await te.engine.removeContainer(c.record.id, { force: true });
  await te.engine.removeNetwork('sub-fixed');
  await t.throwsAsync(te.engine.inspectNetwork('sub-fixed'), { message: /not found/ });
});

test('connect and disconnect a running container: the interface comes and goes; the change is kept for the next start', async (t) => {
  const n = await te.engine.createNetwork({ name: 'hotplug' });
  t.teardown(() => te.engine.removeNetwork(n.id).catch(() => undefined));
  const c = await startServer(te.engine, { cmd: 'sleep 120' });
  t.teardown(() => te.engine.removeContainer(c.record.id, { force: true }).catch(() => undefined));
  await te.engine.connectNetwork('hotplug', c.record.id, { aliases: ['hp'] });
  const after = await te.engine.getContainer(c.record.id);
  t.deepEqual(after.network!.endpoints.map((e) => [e.networkName, e.ifname]), [['bridge', 'eth0'], ['hotplug', 'eth1']]);
  t.regex(await execOut(c.record.id, 'ip -o -4 addr show eth1'), new RegExp(after.network!.endpoints[1].ipAddress.replace(/\./g, '\\.')));
  const byAlias = await sh('ping -c1 -W2 hp', { networkMode: 'hotplug' });
  t.is(byAlias.exitCode, 0, byAlias.stdout + byAlias.stderr);
  await te.engine.disconnectNetwork('bridge', c.record.id);
  t.regex(await execOut(c.record.id, 'ip -o link'), /eth1/);
  t.notRegex(await execOut(c.record.id, 'ip -o link'), /eth0/);
  await te.engine.restartContainer(c.record.id, 1);
  const restarted = await te.engine.getContainer(c.record.id);
  t.deepEqual(restarted.network!.endpoints.map((e) => e.networkName), ['hotplug']);
});

/** A busybox httpd serving `text` as its index page. */
function httpd(text: string): string {
  return `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;
}

/** Output of a command run in a container by exec. */
async function execOut(id: string, cmd: string): Promise<string> {
  const x = await te.engine.createExec(id, { cmd: ['sh', '-c', cmd], attachStdout: true, attachStderr: true });
  const att = (await te.engine.startExec(x, {}))!;
  let out = '';
  att.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att.onEnd(r));
  return out;
}

/** The n-th /24 of a pool (far from the ones auto-allocated first). */
function nthOfPool(pool: string, n: number): string {
  const [a, b, c] = pool.split('.').map(Number);
  return `${a}.${b}.${c + n}.0/24`;
}

test('once stop returns, the container has left its networks: the network can be removed at once', async (t) => {
  const n = await te.engine.createNetwork({ name: 'stop-then-rm' });
  const c = await startServer(te.engine, { cmd: 'sleep 300', networkMode: 'stop-then-rm' });
  await te.engine.stopContainer(c.record.id, 1);
  t.deepEqual((await te.engine.inspectNetwork(n.id)).containers, []);
  await te.engine.removeNetwork(n.id);
  t.is((await te.engine.getContainer(c.record.id)).network, null);
  await te.engine.removeContainer(c.record.id);
});
