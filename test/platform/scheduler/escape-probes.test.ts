/**
 * The escape probes of issue 13 ("Done when": from inside real containers of
 * two teams) at the platform's level: the local scheduler on a real engine
 * creates team A's and team B's containers as it does for apps (the team's
 * user namespace, NET_RAW dropped, the plan's bounds), and a tenant's
 * script tries every probe of the shared list (test/helpers/escape-probes.ts)
 * in each team's `web.1` and in a one-off. Every probe must be refused in all
 * four; each probe's control (the same probe in a plain engine container
 * with `--privileged` or the capability it needs) must work, so a refusal
 * means the platform holds, not that the probe is broken.
 *
 * Probes only the platform has: where container root lands on the host (the
 * team's range, never uid 0), and whether team A can see or signal team B's
 * processes, from inside its containers (another pid namespace) and from the
 * host as A's uid after a breakout (another uid).
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import { run } from '../../../lib/exec.js';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { ESCAPE_PROBES, parseProbeRun, probeScript, runProbes } from '../../helpers/escape-probes.js';
import { provideStacks, seedStacks } from '../../helpers/stacks.js';
import { memorySize } from '../../helpers/plans.js';
import type { App, Release, Scheduler } from '../../../platform/types.js';
import { TEAM_USERNS_SIZE } from '../../../platform/userns.js';
import { eventually, makeApp, makeRelease, scheduler } from './fixtures.js';

const USERNS_SOURCE = 'issue 13 part 2 (host uid after breakout via the user namespace mapping); Docker\'s userns-remap docs';
/** Probes of this file besides the shared list: host uid, the neighbour's pid from inside, and from the host as A's uid (signal, environment). */
const PLATFORM_ONLY = 3;
const NEIGHBOUR_SOURCE = 'issue 13 ("ptrace of host pids"; teams isolated from each other); Linux kill(2) and pid_namespaces(7)';

/** What the platform probes print before the shared list: who the process is and its uid map. */
const WHOAMI = ['sh', '-c', 'id -u; cat /proc/self/uid_map'];

interface Team {
  app: App;
  release: Release;
  /** Host pid of the team's web.1 (its init). */
  webPid: number;
  /** Output of each probe, by where it ran. */
  runs: Record<'web' | 'one-off', string[]>;
}

let te: TestEngine;
let s: Scheduler;
let debian: string;
let teams: Promise<[Team, Team]>;
/** What each probe answered under its control, in a plain engine container. */
let controls: Promise<string[]>;

test.before(async () => {
  if (process.arch !== 'x64') throw new Error('the perl probes use x86_64 syscall numbers');
  te = await startTestEngine({ seed: seedStacks });
  debian = (await provideStacks(te.engine)).run;
  await te.engine.ensureImage('busybox');
  s = scheduler(te);
  teams = probeTwoTeams();
  controls = runProbes(te.engine, debian, ESCAPE_PROBES, (p) => p.control);
  // reported by each test that awaits them
  teams.catch(() => undefined);
  controls.catch(() => undefined);
});
test.after.always(async () => {
  const ts = await teams?.catch(() => null);
  for (const tm of ts ?? []) await s.removeApp(tm.app);
  await te?.cleanup();
});

/** Each team's web.1 runs the probe script then sleeps; then each team's one-off runs it with the neighbour's pid probes. */
async function probeTwoTeams(): Promise<[Team, Team]> {
  const cmds = [WHOAMI, ...ESCAPE_PROBES.map((p) => p.cmd)];
  const [a, b] = await Promise.all(['probe-team-a', 'probe-team-b'].map(async (name) => {
    const app = makeApp(name);
    const release: Release = { ...makeRelease(app, 1, { web: `${probeScript(cmds)}\nexec sleep 600` }), image: debian };
    const info = await s.startProcess(app, release, 'web', 1, memorySize(128 * 1024 * 1024));
    const web = await webOutput(app);
    const c = await te.engine.getContainer(info.containerId);
    return { app, release, webPid: c.state.pid, web };
  }));
  const oneOff = async (tm: typeof a, other: typeof a): Promise<string[]> => {
    const out = await runOneOff(tm.app, tm.release, probeScript([...cmds, ...neighbourProbes(other.webPid)]));
    return parseProbeRun(out, cmds.length + 2);
  };
  const [outA, outB] = await Promise.all([oneOff(a, b), oneOff(b, a)]);
  const team = (tm: typeof a, out: string[]): Team => ({ ...tm, runs: { web: parseProbeRun(tm.web, cmds.length), 'one-off': out } });
  return [team(a, outA), team(b, outB)];
}

/** From inside: signal, and read the environment of, a pid of the other team (numbers as the host sees them). */
function neighbourProbes(pid: number): string[][] {
  return [['sh', '-c', `kill -0 ${pid} && echo OK`], ['sh', '-c', `cat /proc/${pid}/environ && echo OK`]];
}

/** What web.1 of `app` has logged once its probe script ended. */
async function webOutput(app: App): Promise<string> {
  return eventually(async () => {
    const lines: string[] = [];
    for await (const e of s.logs(app, { follow: false })) lines.push(e.line);
    return lines.includes('::probe done') ? lines.join('\n') : undefined;
  }, 120_000);
}

/** Run `line` as an attached one-off of `release` (as `tspaas run` does); what it printed. */
async function runOneOff(app: App, release: Release, line: string): Promise<string> {
  const oneOff = await s.runOneOff(app, release, { command: [line], tty: false, attach: true });
  let out = '';
  oneOff.attachment!.onOutput((_s, d) => { out += d.toString(); });
  const ended = new Promise<void>((r) => oneOff.attachment!.onEnd(r));
  await oneOff.wait();
  await ended;
  return out;
}

/** Run `cmd` on the host as `uid` (a process escaped from a container of the team that owns it). */
function asHostUid(uid: number, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'sh', '-c', cmd], { allowFailure: true });
}

/** The real uid of host pid `pid`. */
async function hostUid(pid: number): Promise<number> {
  const status = await fsp.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^Uid:\s+(\d+)/m)![1]);
}

test('the probes run in the containers the platform makes: two teams, each its own user namespace, NET_RAW dropped, the plan\'s memory', async (t) => {
  t.true(ESCAPE_PROBES.length + PLATFORM_ONLY >= 25);
  for (const p of ESCAPE_PROBES) t.true(p.source.length > 0, p.name);
  const [a, b] = await teams;
  t.not(a.app.teamId, b.app.teamId);
  for (const tm of [a, b]) {
    const [web] = await s.listProcesses(tm.app);
    const opts = (await te.engine.getContainer(web.containerId)).record.options;
    // Checked here, not only by the raw-socket probes: in the team's user namespace the container's root
    // has no CAP_NET_RAW over its network namespace (the engine's, owned by the host's user namespace) either.
    t.deepEqual(opts.capDrop, ['NET_RAW']);
    t.is(opts.memory, 128 * 1024 * 1024);
    const map = [{ containerId: 0, hostId: tm.app.teamUsernsHostId, size: TEAM_USERNS_SIZE }];
    t.deepEqual(opts.userns, { uidMap: map, gidMap: map });
  }
});

test(`host uid after breakout: root inside is the team's own range on the host, never uid 0 (source: ${USERNS_SOURCE})`, async (t) => {
  const [a, b] = await teams;
  for (const tm of [a, b]) {
    for (const [where, out] of Object.entries(tm.runs)) {
      const [uid, ...map] = out[0].split(/\s+/).map(Number);
      t.is(uid, 0, `${tm.app.name} ${where}: root inside`);
      t.deepEqual(map, [0, tm.app.teamUsernsHostId, TEAM_USERNS_SIZE], `${tm.app.name} ${where}: uid map`);
    }
    const host = await hostUid(tm.webPid);
    t.true(host >= tm.app.teamUsernsHostId && host < tm.app.teamUsernsHostId + TEAM_USERNS_SIZE, `host uid ${host}`);
  }
  // control: the same probe in a plain engine container sees root as the host's root
  const control = await runToEnd(te.engine, { image: 'busybox', cmd: WHOAMI });
  t.deepEqual(control.stdout.trim().split(/\s+/).map(Number), [0, 0, 0, 4294967295]);
});

test(`team A's container cannot see or signal team B's processes: another pid namespace (source: ${NEIGHBOUR_SOURCE})`, async (t) => {
  const [a, b] = await teams;
  const last = ESCAPE_PROBES.length + 1;
  for (const tm of [a, b]) {
    t.regex(tm.runs['one-off'][last], /No such process/, `${tm.app.name}: kill -0 of the neighbour's pid`);
    t.regex(tm.runs['one-off'][last + 1], /No such file or directory/, `${tm.app.name}: the neighbour's /proc entry`);
  }
  // control: the pids are live processes, seen and signalled from the host
  for (const tm of [a, b]) t.is((await run('kill', ['-0', String(tm.webPid)], { allowFailure: true })).code, 0);
});

test(`after a breakout, team A's host uid cannot signal team B's processes or read their environment (source: ${NEIGHBOUR_SOURCE}; Docker's userns-remap docs)`, async (t) => {
  const [a, b] = await teams;
  for (const [from, to] of [[a, b], [b, a]]) {
    const uid = await hostUid(from.webPid);
    const probe = await asHostUid(uid, `kill -0 ${to.webPid}`);
    t.not(probe.code, 0);
    t.regex(probe.stderr, /Operation not permitted/);
    // its environment holds the app's config vars (its secrets)
    const environ = await asHostUid(uid, `cat /proc/${to.webPid}/environ`);
    t.not(environ.code, 0);
    t.regex(environ.stderr, /Permission denied/);
    // controls: the neighbour's own uid may signal it; host root reads its environment (not even the
    // neighbour's own uid may: its user namespace is owned by host root, and reading needs privilege over it)
    const control = await asHostUid(await hostUid(to.webPid), `kill -0 ${to.webPid}`);
    t.is(control.code, 0, control.stderr);
    t.regex((await fsp.readFile(`/proc/${to.webPid}/environ`, 'utf8')).replace(/\0/g, '\n'), /^DYNO=web\.1$/m);
  }
});

for (const [i, p] of ESCAPE_PROBES.entries()) {
  test(`refused in both teams' app and one-off containers: ${p.name} (source: ${p.source})`, async (t) => {
    const [both, works] = await Promise.all([teams, controls.then((all) => all[i])]);
    for (const tm of both) {
      for (const [where, out] of Object.entries(tm.runs)) {
        t.regex(out[i + 1], p.refused, `${tm.app.name} ${where} answered: ${out[i + 1]}`);
        t.notRegex(out[i + 1], /^OK$/m, `the probe succeeded in ${tm.app.name}'s ${where} container`);
      }
    }
    t.regex(works, p.works ?? /^OK$/m, `control ${JSON.stringify(p.control)} answered: ${works}`);
  });
}
