/**
 * Nothing of a container's network outlives it: veths, namespaces, IP
 * allocations and iptables rules are counted (only this engine's: its
 * bridges, its networks' rules, its run dir) before and after 160
 * start/rm cycles (80 per network; the user network is a /28, whose 13
 * addresses are handed out and wrap six times, so released ones must come
 * back), and after a `kill -9` of the engine with containers running, one of
 * which ends while the engine is down.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../../lib/exec.js';
import { startTestEngine } from '../../helpers/engine.js';
import { startDaemon } from '../../helpers/daemon.js';
import { httpGet } from '../../helpers/netns.js';
import type { NetworkConfig } from '../../../runtime/network/types.js';

interface Counts { veths: number; netns: number; ipam: number; rules: number }

/** What this engine has on the host: veths on its bridges, its namespaces and IP allocations, rules naming its networks. */
async function count(net: NetworkConfig, runRoot: string, networkIds: string[]): Promise<Counts> {
  const links = JSON.parse((await run('ip', ['-j', 'link', 'show', 'type', 'veth'])).stdout || '[]') as Array<{ master?: string }>;
  const ours = (b?: string) => b !== undefined && (b === net.bridge || b.startsWith(net.bridgePrefix));
  const files = async (dir: string) => (await fsp.readdir(dir).catch(() => [] as string[]));
  const netDir = path.join(runRoot, 'network');
  let ipam = 0;
  for (const n of await files(path.join(netDir, 'ipam'))) ipam += (await files(path.join(netDir, 'ipam', n))).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length;
  const save = (await run('iptables-save', [])).stdout.split('\n');
  const rules = save.filter((l) => l.startsWith('-A') && networkIds.some((id) => l.includes(id))).length
    + save.filter((l) => l.startsWith('-A') && [...l.matchAll(/(?:-i|-o) (\S+)/g)].some((m) => ours(m[1]))).length;
  return { veths: links.filter((l) => ours(l.master)).length, netns: (await files(path.join(netDir, 'netns'))).length, ipam, rules };
}

test('160 start/rm cycles (default network and a /28 user network that wraps, with and without published ports) leave nothing behind', async (t) => {
  // Started first in a full run (ava.config.js): on two cores shared with three other files a cycle takes about 1.5 s.
  t.timeout(12 * 60_000);
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const [a, b, c] = te.config.network.subnet.split('.').map(Number);
  const user = await e.createNetwork({ name: 'cycles', subnet: `${a}.${b}.${c! + 100}.16/28` });
  const ids = [(await e.inspectNetwork('bridge')).id, user.id];
  const before = await count(te.config.network, te.config.runRoot, ids);
  const cycle = async (i: number) => {
    const c = await e.createContainer({
      image: 'busybox', cmd: ['sleep', '30'], networkMode: i % 2 === 0 ? 'bridge' : 'cycles',
      portBindings: i % 3 === 0 ? [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 }] : [],
    });
    await e.startContainer(c.record.id);
    await e.removeContainer(c.record.id, { force: true });
  };
  const during: Counts[] = [];
  // Four at a time: on the /28 at most four of its 13 addresses are taken at once, so every wrap must find freed ones.
  const WORKERS = 4;
  const CYCLES = 160;
  // On a failure every worker stops before the teardown closes the engine (else the others cycle on against a closed engine).
  let failed = false;
  const results = await Promise.allSettled(Array.from({ length: WORKERS }, async (_, w) => {
    for (let i = w; i < CYCLES && !failed; i += WORKERS) {
      await cycle(i).catch((err: unknown) => { failed = true; throw err; });
      if (i === CYCLES / 2) during.push(await count(te.config.network, te.config.runRoot, ids));
    }
  }));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  t.deepEqual(await count(te.config.network, te.config.runRoot, ids), before);
  t.is(during.length, 1);
});

test('kill -9 of the engine with containers running: they keep their network; one that ends meanwhile is cleaned up at restart; rm leaves nothing', async (t) => {
  const d = await startDaemon();
  t.teardown(() => d.cleanup());
  const docker = d.docker;
  await new Promise((resolve, reject) => docker.pull('busybox:latest', (err: Error | null, s: NodeJS.ReadableStream) => (err ? reject(err) : docker.modem.followProgress(s, resolve))));
  await docker.createNetwork({ Name: 'crashnet' });
  const ids = (await docker.listNetworks()).map((n) => n.Id);
  const runRoot = path.join(d.runRoot, 'engine');
  const before = await count(d.network, runRoot, ids);
  const web = await docker.createContainer({
    Image: 'busybox', Cmd: ['sh', '-c', 'mkdir /w && echo alive > /w/index.html && exec httpd -f -p 80 -h /w'],
    ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await web.start();
  const onNet = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'crashnet' } });
  await onNet.start();
  const doomed = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'crashnet', PortBindings: { '81/tcp': [{ HostPort: '' }] } } });
  await doomed.start();
  const port = Number((await web.inspect()).NetworkSettings.Ports['80/tcp']![0].HostPort);
  t.is(await httpGet(`http://127.0.0.1:${port}/`), 'alive\n');
  const during = await count(d.network, runRoot, ids);
  t.is(during.veths, before.veths + 3);

  await d.killHard();
  // While the engine is down, one container's process ends (its monitor records the exit).
  await run('kill', ['-9', String((await pidOf(d.root, doomed.id)))]);
  t.is(await httpGet(`http://127.0.0.1:${port}/`), 'alive\n', 'a published port keeps working without the engine');
  await d.restart();

  t.is((await doomed.inspect()).State.Status, 'exited');
  const afterRestart = await count(d.network, runRoot, ids);
  t.is(afterRestart.veths, before.veths + 2, 'the exited container\'s veth is gone');
  t.is(afterRestart.ipam, before.ipam + 2, 'and its address is free');
  t.is(await httpGet(`http://127.0.0.1:${port}/`), 'alive\n', 'the running ones keep their network');
  for (const c of [web, onNet, doomed]) await c.remove({ force: true });
  t.deepEqual(await count(d.network, runRoot, ids), before);
});

/** The host PID of a container's process, from the engine's state on disk. */
async function pidOf(root: string, id: string): Promise<number> {
  const state = JSON.parse(await fsp.readFile(path.join(root, 'engine', 'containers', id, 'state.json'), 'utf8')) as { pid: number };
  return state.pid;
}
