/**
 * Teams in user namespaces (issue 13, part 2), through the local scheduler on
 * a real engine: each team's containers run with the team's host uid range,
 * so a process that escapes its container (the "breakout" probe: act on the
 * host as the container's host pid's uid) is an unprivileged uid that cannot
 * read another team's files. Probe modelled on the host-uid checks of
 * Docker's userns-remap documentation ("the container's root is an
 * unprivileged uid on the host") and podman's `--userns=auto` tests.
 */
import { memorySize } from '../../helpers/plans.js';
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../../lib/exec.js';
import type { App } from '../../../platform/types.js';
import { TEAM_USERNS_SIZE } from '../../../platform/userns.js';
import { eventually, makeApp, makeRelease, schedulerBed } from './fixtures.js';

const bed = schedulerBed();

/** Start `web.1` of `app` writing a 0600 secret into its own filesystem, then serving. */
async function startSecretKeeper(app: App): Promise<{ containerId: string; pid: number }> {
  const release = makeRelease(app, 1, { web: 'echo "secret of $DYNO" > /secret && chmod 600 /secret && id -u > /uid && cat /proc/self/uid_map > /map && exec sleep 600' });
  const info = await bed.s.startProcess(app, release, 'web', 1, memorySize(64 * 1024 * 1024));
  const c = await eventually(async () => {
    const got = await bed.te.engine.getContainer(info.containerId);
    return got.state.status === 'running' && got.state.pid > 0 ? got : undefined;
  });
  return { containerId: c.record.id, pid: c.state.pid };
}

/** The Uid line of /proc/<pid>/status: real, effective, saved, fs. */
async function hostUids(pid: number): Promise<number[]> {
  const status = await fsp.readFile(`/proc/${pid}/status`, 'utf8');
  return status.match(/^Uid:\s+(.*)$/m)![1].trim().split(/\s+/).map(Number);
}

/** Host path of `/secret` in a running container (read through its merged root). */
async function rootfsFile(containerId: string, rel: string): Promise<string> {
  return path.join(bed.te.config.runRoot, 'c', containerId, 'bundle', 'rootfs', rel);
}

test('each team runs in its own range; a process escaped from team A is an unprivileged uid that cannot read team B\'s 0600 file', async (t) => {
  const a = makeApp('team-a-app');
  const b = makeApp('team-b-app');
  t.teardown(async () => { await bed.s.removeApp(a); await bed.s.removeApp(b); });
  t.true(a.teamUsernsHostId + TEAM_USERNS_SIZE <= b.teamUsernsHostId || b.teamUsernsHostId + TEAM_USERNS_SIZE <= a.teamUsernsHostId, 'ranges do not overlap');
  const [pa, pb] = [await startSecretKeeper(a), await startSecretKeeper(b)];
  const secretB = await rootfsFile(pb.containerId, 'secret');
  await eventually(async () => (await fsp.stat(secretB).catch(() => null))?.mode === 0o100600);
  // inside: root, with the team's range as the map
  t.is((await fsp.readFile(await rootfsFile(pa.containerId, 'uid'), 'utf8')).trim(), '0');
  t.deepEqual((await fsp.readFile(await rootfsFile(pa.containerId, 'map'), 'utf8')).trim().split(/\s+/).map(Number), [0, a.teamUsernsHostId, TEAM_USERNS_SIZE]);
  // on the host: the container's init (catatonit) and its child are the team's root uid, never host root
  const uidA = (await hostUids(pa.pid))[0];
  t.true(uidA >= a.teamUsernsHostId && uidA < a.teamUsernsHostId + TEAM_USERNS_SIZE, `host uid ${uidA}`);
  t.is((await fsp.stat(secretB)).uid, b.teamUsernsHostId);
  // the breakout: act on the host as team A's uid. The engine's dirs are not
  // searchable by others, so they are made searchable (never readable) up to
  // the file: only its own 0600 mode stands between A and it. (The file stays
  // where it is: a quota'd upper dir is its own btrfs subvolume, so a hard
  // link out of it is EXDEV.)
  const linked = path.join(bed.te.config.root, 'snapshots', 'active', pb.containerId, 'upper', 'secret');
  for (let d = path.dirname(linked); d !== '/'; d = path.dirname(d)) await fsp.chmod(d, (await fsp.stat(d)).mode | 0o111);
  const asA = await run('setpriv', [`--reuid=${uidA}`, `--regid=${uidA}`, '--clear-groups', 'cat', linked], { allowFailure: true });
  t.not(asA.code, 0);
  t.regex(asA.stderr, /Permission denied/);
  // control: the probe works where it should (team B's own uid reads it)
  const asB = await run('setpriv', [`--reuid=${b.teamUsernsHostId}`, `--regid=${b.teamUsernsHostId}`, '--clear-groups', 'cat', linked]);
  t.is(asB.stdout, 'secret of web.1\n');
});

test('a one-off runs in its team\'s range too', async (t) => {
  const app = makeApp('team-c-app');
  t.teardown(() => bed.s.removeApp(app));
  const release = makeRelease(app, 1, {});
  const oneOff = await bed.s.runOneOff(app, release, { command: ['cat', '/proc/self/uid_map;', 'stat', '-c', '%u', '/bin/busybox'], tty: false, attach: true });
  let out = '';
  oneOff.attachment!.onOutput((_s, d) => { out += d.toString(); });
  const ended = new Promise<void>((r) => oneOff.attachment!.onEnd(r));
  t.is(await oneOff.wait(), 0);
  await ended;
  const [map, owner] = out.trim().split('\n');
  t.deepEqual(map.trim().split(/\s+/).map(Number), [0, app.teamUsernsHostId, TEAM_USERNS_SIZE]);
  t.is(owner, '0');
});
