/**
 * The local scheduler's processes on a real engine (its own bridges and
 * subnets): one network per app, labelled containers with PORT/DYNO/config
 * env and limits, `ps` mapping (crashes), stop, removeApp. Traffic goes only
 * to addresses of the networks these tests create.
 */
import test from 'ava';
import { httpGet } from '../../helpers/netns.js';
import { build } from '../../runtime/build/helpers.js';
import { contains, parseIp, parseSubnet } from '../../../runtime/network/cidr.js';
import { isKind } from '../../../lib/errors.js';
import { LABELS } from '../../../platform/types.js';
import { eventually, HTTPD, makeApp, makeRelease, PORT, schedulerBed } from './fixtures.js';
import { memorySize } from '../../helpers/plans.js';

const bed = schedulerBed();

/** Run `script` in a running container; its exit code and output. */
async function execIn(containerId: string, script: string): Promise<{ code: number; out: string }> {
  const exec = await bed.te.engine.createExec(containerId, { cmd: ['sh', '-c', script], attachStdout: true, attachStderr: true });
  const att = await bed.te.engine.startExec(exec, {});
  let out = '';
  att!.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att!.onEnd(r));
  const state = await eventually(async () => { const st = await bed.te.engine.inspectExec(exec); return st.running ? undefined : st; });
  return { code: state.exitCode ?? -1, out };
}

test('two web processes: distinct IPs on the app\'s network, both answer on PORT with their env; labels and limits set', async (t) => {
  const app = makeApp('shop');
  const release = makeRelease(app, 3, { web: HTTPD }, { MESSAGE: 'hello' });
  const [p1, p2] = await Promise.all([1, 2].map((i) => bed.s.startProcess(app, release, 'web', i, memorySize(64 * 1024 * 1024))));
  const net = await bed.te.engine.inspectNetwork('tspaas-shop');
  t.not(p1.address, p2.address);
  for (const p of [p1, p2]) {
    t.is(p.state, 'up');
    t.is(p.port, PORT);
    t.is(p.releaseVersion, 3);
    t.true(contains(parseSubnet(net.subnet), parseIp(p.address!)), `${p.address} in ${net.subnet}`);
  }
  t.is(await eventually(() => httpGet(`http://${p1.address}:${PORT}/`).catch(() => undefined)), 'web.1 hello\n');
  t.is(await eventually(() => httpGet(`http://${p2.address}:${PORT}/`).catch(() => undefined)), 'web.2 hello\n');
  const c = await bed.te.engine.getContainer(p1.containerId);
  t.regex(c.record.name, /^shop\.web\.1\.v3\.[0-9a-f]{6}$/);
  t.like(c.record.config.Labels, { [LABELS.app]: 'shop', [LABELS.appId]: app.id, [LABELS.type]: 'web', [LABELS.index]: '1', [LABELS.release]: release.id, [LABELS.version]: '3', [LABELS.plan]: 'basic' });
  // The plan's bounds (basic: weight 512, 1 CPU, 256 pids) with the size's memory.
  t.like(c.record.options, { memory: 64 * 1024 * 1024, cpuShares: 512, nanoCpus: 1e9, pidsLimit: 256, restartPolicy: { name: 'no', maximumRetryCount: 0 }, capDrop: ['NET_RAW'] });
  // No raw sockets in app containers (issue 13): CAP_NET_RAW (bit 13) is out of the bounding set.
  const bnd = await execIn(p1.containerId, 'grep ^CapBnd: /proc/self/status | cut -f2');
  t.is((BigInt(`0x${bnd.out.trim()}`) >> 13n) & 1n, 0n, bnd.out);
  const listed = await bed.s.listProcesses(app);
  t.deepEqual(listed.map((p) => [p.name, p.state, p.address, p.command]), [['web.1', 'up', p1.address, HTTPD], ['web.2', 'up', p2.address, HTTPD]]);
  await bed.s.removeApp(app);
});

test('apps cannot reach each other: a process of one app gets no answer from another app\'s process, while its own app\'s process answers', async (t) => {
  const a = makeApp('alpha');
  const b = makeApp('beta');
  const ra = makeRelease(a, 1, { web: HTTPD });
  const rb = makeRelease(b, 1, { web: HTTPD });
  const a1 = await bed.s.startProcess(a, ra, 'web', 1, memorySize(64 << 20));
  const a2 = await bed.s.startProcess(a, ra, 'web', 2, memorySize(64 << 20));
  const b1 = await bed.s.startProcess(b, rb, 'web', 1, memorySize(64 << 20));
  t.not((await bed.te.engine.inspectNetwork('tspaas-alpha')).subnet, (await bed.te.engine.inspectNetwork('tspaas-beta')).subnet);
  await eventually(() => httpGet(`http://${a1.address}:${PORT}/`).catch(() => undefined));
  // Debian's static busybox wget segfaults (glibc's resolver in a static binary); nc speaks HTTP/1.0 well enough.
  const get = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${a1.address} ${PORT}`;
  const same = await execIn(a2.containerId, get);
  t.regex(same.out, /^HTTP\/1\.[01] 200[^]*\r\n\r\nweb\.1 \n$/, `same app answers (exit ${same.code})`);
  const other = await execIn(b1.containerId, get);
  t.not(other.code, 0, `other app got: ${other.out}`);
  t.notRegex(other.out, /web\.1/);
  await bed.s.removeApp(a);
  await bed.s.removeApp(b);
});

test('stopProcess stops with grace and removes; an unknown container is fine', async (t) => {
  const app = makeApp('stopper');
  const release = makeRelease(app, 1, { worker: 'trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done' });
  const p = await bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20));
  t.is(p.state, 'up');
  await bed.s.stopProcess(p.containerId, 5);
  await t.throwsAsync(bed.te.engine.getContainer(p.containerId), { message: /No such container/ });
  await bed.s.stopProcess(p.containerId, 5);
  await bed.s.stopProcess('0'.repeat(64), 1);
  t.deepEqual(await bed.s.listProcesses(app), []);
  await bed.s.removeApp(app);
});

test('processes run under an init: a command without a TERM handler still ends on SIGTERM, not after the grace by SIGKILL', async (t) => {
  const app = makeApp('initpid');
  // `exec sleep`: sleep would be PID 1 without the init, and PID 1 ignores SIGTERM it does not handle.
  const release = makeRelease(app, 1, { worker: 'exec sleep 600' });
  const p = await bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20));
  const top = await bed.te.engine.topContainer(p.containerId, '-o pid,args');
  t.regex(JSON.stringify(top.processes), /\/dev\/init/, 'PID 1 is the init');
  await bed.te.engine.stopContainer(p.containerId, 60);
  const c = await bed.te.engine.getContainer(p.containerId);
  t.is(c.state.exitCode, 143, 'ended by SIGTERM (137 would be SIGKILL after the grace)');
  await bed.s.removeApp(app);
});

test('a process that exits by itself shows as crashed (any exit code) with the restarts given; a missing type or image is Invalid', async (t) => {
  const app = makeApp('crashy');
  const release = makeRelease(app, 2, { worker: 'echo boom >&2; exit 3', clock: 'exit 0' });
  const w = await bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20), { restarts: 4 });
  const c = await bed.s.startProcess(app, release, 'clock', 1, memorySize(64 << 20));
  const listed = await eventually(async () => {
    const ps = await bed.s.listProcesses(app);
    return ps.every((p) => p.state === 'crashed') ? ps : undefined;
  });
  t.deepEqual(listed.map((p) => [p.name, p.state, p.restarts, p.address, p.port]), [['clock.1', 'crashed', 0, null, null], ['worker.1', 'crashed', 4, null, null]]);
  t.deepEqual(await bed.s.tailLogs(w.containerId, 5), ['boom']);
  t.deepEqual(await bed.s.tailLogs('f'.repeat(64), 5), []);
  t.truthy(c.containerId);
  const web = await bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20));
  const image = await bed.te.engine.images.get('busybox:latest');
  t.deepEqual((await bed.te.engine.getContainer(web.containerId)).record.config.Cmd, image.config.config.Cmd, 'web without a command runs the image\'s own');
  await t.throwsAsync(bed.s.startProcess(app, release, 'nope', 1, memorySize(64 << 20)), { message: /no process type "nope"/ });
  await t.throwsAsync(bed.s.startProcess(app, { ...release, image: null }, 'worker', 1, memorySize(64 << 20)), { message: /has no image/ });
  const err = await bed.s.startProcess(app, release, 'nope', 1, memorySize(1)).catch((e: unknown) => e);
  t.true(isKind(err, 'Invalid'));
  await bed.s.removeApp(app);
});

test('concurrent first starts of an app share one network; removeApp leaves no container and no network', async (t) => {
  const app = makeApp('gone');
  const release = makeRelease(app, 1, { web: HTTPD, worker: 'sleep 600' });
  const started = await Promise.all([
    bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20)), bed.s.startProcess(app, release, 'web', 2, memorySize(64 << 20)),
    bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20)),
  ]);
  t.is(new Set(started.map((p) => p.address)).size, 3);
  t.is((await bed.te.engine.listNetworks()).filter((n) => n.name === 'tspaas-gone').length, 1);
  const oneOff = await bed.s.runOneOff(app, release, { command: ['sleep', '600'], tty: false, attach: false });
  t.is((await bed.te.engine.listContainers({ all: true, label: [`${LABELS.appId}=${app.id}`] })).length, 4);
  t.is((await bed.s.listProcesses(app)).length, 3, 'one-offs are not processes');
  await bed.s.removeApp(app);
  t.deepEqual(await bed.te.engine.listContainers({ all: true, label: [`${LABELS.appId}=${app.id}`] }), []);
  await t.throwsAsync(bed.te.engine.inspectNetwork('tspaas-gone'), { message: /not found|No such network/i });
  t.is(await oneOff.wait(), 137);
  await bed.s.removeApp(app);
});

test('an image with its own entrypoint (as a buildpack launcher or Dockerfile app has): commands run through it, and web without a command runs the image\'s CMD', async (t) => {
  const built = await build(bed.te.engine, {
    Dockerfile: [
      'FROM busybox:latest', 'COPY ep.sh /ep.sh', 'ENTRYPOINT ["/bin/sh", "/ep.sh"]',
      `CMD ["sh", "-c", "mkdir -p /www && echo image-cmd $FROM_EP > /www/index.html && exec httpd -f -p $PORT -h /www"]`,
    ].join('\n'),
    'ep.sh': 'export FROM_EP=launcher\nexec "$@"\n',
  }, { tags: ['entry-app:v1'] });
  t.is(built.error, null);
  const app = makeApp('entry');
  const release = { ...makeRelease(app, 1, { web: '', worker: 'echo "$FROM_EP $DYNO"; sleep 600' }), image: 'entry-app:v1' };
  const web = await bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20));
  const worker = await bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20));
  t.is(await eventually(() => httpGet(`http://${web.address}:${PORT}/`).catch(() => undefined)), 'image-cmd launcher\n');
  t.deepEqual(await eventually(async () => { const l = await bed.s.tailLogs(worker.containerId, 5); return l.length ? l : undefined; }), ['launcher worker.1']);
  await bed.s.removeApp(app);
});
