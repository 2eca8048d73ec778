/**
 * Issue 14 part P, end to end through a real tspaasd, router and git push:
 * process types that make sense (a worker-only Procfile runs its first type,
 * app.json `formation` on the first deploy only, a push that leaves nothing
 * running says so), PORT of Dockerfile apps from their one EXPOSE (Dokku's
 * rule) and failed checks that name the port, failed builds that stay
 * visible (`releases`, `builds:output`), and the platform's own messages:
 * no "previous release" when there was none, no reason printed twice, `\r`
 * progress as lines of their own. Each assertion is on what the pusher reads.
 */
import test from 'ava';
import {
  commitAll, createTenant, remoteLines, eventually, makeRepo, must, startWorld, viaRouter, writeFiles, type Tenant, type World,
} from './world.js';

let world: World;
let alice: Tenant;
let exposedDir: string; // the repo of the app "exposed"

// Short failing checks: 6 × 250 ms in all (the defaults take 15 s to give up).
test.before(async () => {
  world = await startWorld({ args: ['--check-attempts', '6', '--check-interval', '250'] });
  alice = await createTenant(world, 'procs');
});
test.after.always(async () => { await world?.close(); });

/** No line of the push follows an identical one (the same reason or step said twice). */
function assertNoRepeats(t: { deepEqual(a: unknown, b: unknown, m?: string): void }, lines: string[]): void {
  const repeats = lines.filter((l, i) => l !== '' && l === lines[i - 1]);
  t.deepEqual(repeats, [], lines.join('\n'));
}

interface Ps { name: string; state: string; port: number | null }
const ps = async (dir: string) => JSON.parse((await must(alice.tspaas(['ps', '--json'], dir))).stdout) as Ps[];

// Heroku Dev Center, "Scheduled Jobs and Custom Clock Processes": a Procfile of `worker:` and `clock:`, no web.
const jobsProcfile = (tag: string) => ({
  Procfile: `worker: while true; do echo "worker ${tag} $DYNO at work"; sleep 5; done\nclock: while true; do echo tick; sleep 60; done\n`,
});

test.serial('a worker-only Procfile: the first deploy runs its first type, says so, and prints no URL; scaled to 0, the next push says nothing runs', async (t) => {
  const dir = await makeRepo(world, alice, jobsProcfile('one'));
  await must(alice.tspaas(['apps:create', 'jobs'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  const lines = remoteLines(push);
  t.true(lines.includes('Scaled worker to 1: the first process type of the Procfile (there is no web process)'), push.stderr);
  t.is(lines.at(-1), '=====> jobs deployed: worker=1 running; there is no web process, so the app has no URL');
  t.notRegex(push.stderr, /deployed to http/);
  assertNoRepeats(t, lines);
  t.deepEqual((await ps(dir)).map((p) => `${p.name} ${p.state}`), ['worker.1 up'], 'the Procfile order is kept: worker, not clock');

  await must(alice.tspaas(['scale', 'worker=0'], dir));
  await eventually(async () => (await ps(dir)).length === 0, 'worker.1 stopped');
  await writeFiles(dir, jobsProcfile('two'));
  await commitAll(alice, dir, 'two');
  const again = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(remoteLines(again).slice(-2), [
    ' !     jobs v2 is released, but no process is running: every process type is scaled to 0.',
    ' !     Start one with: tspaas scale worker=1',
  ]);
  t.notRegex(again.stderr, /Scaled worker/, 'a later push leaves the formation alone');
});

test.serial('app.json formation counts on the first deploy only', async (t) => {
  const dir = await makeRepo(world, alice, { ...jobsProcfile('one'), 'app.json': JSON.stringify({ formation: { clock: { quantity: 1, size: 'basic' } } }) });
  await must(alice.tspaas(['apps:create', 'clocked'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.true(remoteLines(push).includes('Scaled clock=1:basic as app.json\'s formation says'), push.stderr);
  t.is(remoteLines(push).at(-1), '=====> clocked deployed: clock=1 running; there is no web process, so the app has no URL');
  t.deepEqual((await ps(dir)).map((p) => p.name), ['clock.1']);
  // Heroku reads app.json's formation when the app is set up, not on every push.
  await writeFiles(dir, { 'app.json': JSON.stringify({ formation: { clock: { quantity: 0 }, worker: { quantity: 2 } } }) });
  await commitAll(alice, dir, 'another formation');
  const again = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(again.code, 0, again.stderr);
  t.notRegex(again.stderr, /app\.json's formation says/);
  // The push returns once v2 is live; v1's clock.1 is stopped after that (drain, then stop), so it may still be listed as stopping.
  await eventually(async () => (await ps(dir)).every((p) => p.state !== 'stopping'), 'v1\'s clock.1 stopped');
  t.deepEqual((await ps(dir)).map((p) => p.name), ['clock.1']);
});

// Modelled on Dokku's tests/apps/dockerfile (a Node app that EXPOSEs 3000/tcp), on busybox: it listens on 3000 whatever PORT says.
// Its RUN step prints progress as dpkg and curl do on a pipe: about 20 KB redrawn with \r and no newline until the end.
const exposed3000 = {
  Dockerfile: [
    'FROM busybox:latest',
    'RUN i=1; while [ $i -le 600 ]; do printf "Unpacking %d of 600 files (progress)\\r" $i; i=$((i+1)); done; echo',
    'RUN mkdir /www && echo exposed-3000 > /www/index.html',
    'EXPOSE 3000/tcp',
    'CMD ["httpd", "-f", "-p", "3000", "-h", "/www"]',
    '',
  ].join('\n'),
};

test.serial('a Dockerfile app gets PORT from its one EXPOSE; \\r progress reaches the pusher and the build log as lines', async (t) => {
  const dir = exposedDir = await makeRepo(world, alice, exposed3000);
  await must(alice.tspaas(['apps:create', 'exposed'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.false(push.stderr.includes('\r'), 'every redraw ended as a line of its own');
  const lines = remoteLines(push);
  t.is(lines.filter((l) => /^Unpacking \d+ of 600 files \(progress\)$/.test(l)).length, 600);
  t.true(lines.some((l) => /^web\.1 healthy at [\d.]+:3000$/.test(l)), push.stderr);
  t.regex(lines.at(-1)!, /^=====> exposed deployed to http:\/\/exposed\.localhost:\d+$/);
  assertNoRepeats(t, lines);
  t.is((await viaRouter(world, 'exposed')).body.trim(), 'exposed-3000');
  t.deepEqual((await ps(dir)).map((p) => [p.name, p.port]), [['web.1', 3000]]);
  // The stored build log has the same lines.
  const [build] = JSON.parse((await must(alice.tspaas(['builds', '--json'], dir))).stdout) as Array<{ id: string }>;
  const out = JSON.parse((await must(alice.tspaas(['builds:output', build!.id, '--json'], dir))).stdout) as { build: { status: string }; lines: string[] };
  t.is(out.build.status, 'succeeded');
  t.is(out.lines.filter((l) => /^Unpacking \d+ of 600 files \(progress\)$/.test(l)).length, 600);
});

// Dokku's tests/apps/dockerfile EXPOSEs 3001/udp, 3000/tcp and 3003 and also listens on 3003: not exactly one port.
const threePorts = (listen: string) => ({
  Dockerfile: `FROM busybox:latest\nRUN mkdir /www && echo three-ports > /www/index.html\nEXPOSE 3001/udp\nEXPOSE 3000/tcp\nEXPOSE 3003\nCMD ["httpd", "-f", "-p", "${listen}", "-h", "/www"]\n`,
});

test.serial('a failed first build and a failed first deploy: the reason once, no "previous release", the port and its fix; releases and builds:output show the failed build', async (t) => {
  // An apt step that fails as it does on a Debian image without the package (exit 100).
  const dir = await makeRepo(world, alice, {
    Dockerfile: 'FROM busybox:latest\nRUN echo "E: Unable to locate package nodejs-legacy" >&2; exit 100\n',
  });
  await must(alice.tspaas(['apps:create', 'ports'], dir));
  const broken = await alice.git(['push', 'tspaas', 'main'], dir);
  t.not(broken.code, 0);
  const bl = remoteLines(broken);
  t.true(bl.includes('E: Unable to locate package nodejs-legacy'), broken.stderr);
  const reason = bl.filter((l) => l.startsWith(' !     ') && /exit|code|100/.test(l));
  t.is(reason.length, 1, `the build's reason is said once:\n${broken.stderr}`);
  t.deepEqual(bl.slice(-2), [' !     Push rejected: the build failed.', ' !     No earlier release was running: the app runs nothing until a push deploys.']);
  t.notRegex(broken.stderr, /previous release/i);
  assertNoRepeats(t, bl);

  const [failed] = JSON.parse((await must(alice.tspaas(['builds', '--json'], dir))).stdout) as Array<{ id: string; status: string; error: string }>;
  t.is(failed!.status, 'failed');
  t.is(` !     ${failed!.error}`, reason[0]);
  const releases = (await must(alice.tspaas(['releases'], dir))).stdout;
  t.regex(releases, new RegExp(`-\\s+build failed\\s+Build ${failed!.id.slice(0, 8)} of [0-9a-f]{7}: ${escape(failed!.error)}`));
  const output = await must(alice.tspaas(['builds:output', failed!.id], dir));
  t.regex(output.stdout, /^E: Unable to locate package nodejs-legacy$/m);
  const json = JSON.parse((await must(alice.tspaas(['builds:output', failed!.id, '--json'], dir))).stdout) as { build: { status: string; error: string }; lines: string[] };
  t.like(json.build, { status: 'failed', error: failed!.error });
  t.true(json.lines.includes('E: Unable to locate package nodejs-legacy'));

  await writeFiles(dir, threePorts('3003'));
  await commitAll(alice, dir, 'three ports');
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.not(push.code, 0);
  const lines = remoteLines(push);
  const failedAt = lines.findIndex((l) => l.startsWith('Deploy of v1 failed: '));
  t.regex(lines[failedAt]!, /^Deploy of v1 failed: web\.1 failed its health check after \d+ attempts \(TCP connect to port 5000: connect ECONNREFUSED [\d.]+:5000\)$/);
  t.is(lines[failedAt + 1], 'The app must listen on PORT=5000 (the platform default; the image EXPOSEs 3000/tcp, 3001/udp, 3003/tcp, not exactly one TCP port); '
    + 'set another with `tspaas config:set PORT=<port>`, or EXPOSE only the port it listens on in the Dockerfile.');
  t.deepEqual(lines.slice(-2), [' !     Push rejected: the deploy of v1 failed (the reason is above).', ' !     No earlier release was running: the app runs nothing until a push deploys.']);
  t.is(lines.filter((l) => l.startsWith('The app must listen on')).length, 1, 'the reason is said once');
  assertNoRepeats(t, lines);

  // The fix the message gives.
  const set = await alice.tspaas(['config:set', 'PORT=3003'], dir);
  t.is(set.code, 0, set.stderr);
  t.is((await viaRouter(world, 'ports')).body.trim(), 'three-ports');
  t.deepEqual((await ps(dir)).map((p) => [p.name, p.port]), [['web.1', 3003]]);
});

test.serial('with a release serving, a failed push names it as the one that keeps running', async (t) => {
  const dir = exposedDir; // the app "exposed", v1 serving
  await writeFiles(dir, threePorts('3003'));
  await commitAll(alice, dir, 'three ports, no PORT');
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.not(push.code, 0);
  t.is(remoteLines(push).at(-1), ' !     The previous release, v1, keeps running.');
  t.is((await viaRouter(world, 'exposed')).body.trim(), 'exposed-3000');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
