/**
 * The `tspaas` CLI as a real process against a real tspaasd (engine + Engine
 * API) in temporary roots, started with `tspaas up` and stopped with
 * `tspaas down`. Interactive sessions run in a real pty driven by tmux.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimNetworkSlot, type NetworkSlot } from '../helpers/network-slot.js';
import { pollUntil as eventually, expectSize, tmuxSession, type TmuxSession } from '../helpers/tmux.js';
import { fileURLToPath } from 'node:url';
import { programArgs } from '../helpers/programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = [process.execPath, ...programArgs('cli/main')];
const BASE = mkdtempSync(path.join(os.tmpdir(), 'tsp-cli-'));
const ROOT = path.join(BASE, 'root');
const RUN = path.join(BASE, 'run');
const ENV = { ...process.env, TSPAAS_ROOT: ROOT, TSPAAS_RUN: RUN, TSPAAS_ENGINE_SOCK: path.join(RUN, 'engine.sock') };

interface Result { code: number; stdout: string; stderr: string }

/** Run `tspaas …`; resolves with its exit code and output. */
function tspaas(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI[0]!, [...CLI.slice(1), ...args], { cwd: REPO, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}

/** Run `tspaas …` and fail the test unless it exits 0. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await tspaas(args, input);
  if (r.code !== 0) throw new Error(`tspaas ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

let slot: NetworkSlot;
test.before(async () => {
  // The daemon gets its own bridges and subnets, never the host's default tspaas0.
  slot = await claimNetworkSlot();
  const up = await tspaas(['up', '--engine-only', '--cgroup-parent', `/tspaas-test/${path.basename(BASE)}`, '--log-level', 'warn', ...slot.flags]);
  if (up.code !== 0) throw new Error(`tspaas up failed: ${up.stderr}`);
  await ok(['image', 'pull', 'busybox']);
});

test.after.always(async () => {
  const ids = (await tspaas(['container', 'ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
  if (ids.length) await tspaas(['container', 'rm', '-f', ...ids]);
  await tspaas(['down']);
  await slot?.release();
  rmSync(BASE, { recursive: true, force: true });
});

test('up reports a running daemon; version and info reach it', async (t) => {
  const up = JSON.parse(await ok(['up', '--engine-only', '--json'])) as { started: boolean; pid: number; socket: string; api: string | null; router: unknown };
  t.false(up.started);
  t.is(up.api, null);
  t.is(up.router, null);
  t.is(up.socket, `unix://${RUN}/engine.sock`);
  t.regex(await ok(['version']), /Server:\n Version: +\d/);
  t.regex(await ok(['info']), new RegExp(`Root Dir: ${ROOT}/engine`));
});

test('run --rm prints the output and exits with the container\'s code', async (t) => {
  const r = await tspaas(['container', 'run', '--rm', '--name', 'e2e-rm', 'busybox', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
  t.is(r.stdout, 'hi\n');
  t.is(r.stderr, 'err\n');
  t.is(r.code, 3);
  t.notRegex(await ok(['container', 'ps', '-a']), /e2e-rm/);
});

test('run -i relays stdin until EOF', async (t) => {
  const r = await tspaas(['container', 'run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], 'piped\n');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'piped\ndone\n');
});

test('run -d, logs, exec, stop and start', async (t) => {
  const id = (await ok(['container', 'run', '-d', '--name', 'e2e-d', 'busybox', 'sh', '-c', 'echo started; while true; do sleep 1; done'])).trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  await eventually(() => ok(['container', 'logs', 'e2e-d']), (s) => s === 'started\n', 'the first log line');
  t.regex(await ok(['container', 'ps']), /e2e-d/);
  const exec = await tspaas(['container', 'exec', 'e2e-d', 'sh', '-c', 'echo in-exec; exit 4']);
  t.is(exec.stdout, 'in-exec\n');
  t.is(exec.code, 4);
  t.is(await ok(['container', 'stop', '-t', '1', 'e2e-d']), 'e2e-d\n');
  t.is(await ok(['container', 'inspect', '-f', '{{.State.Status}}', 'e2e-d']), 'exited\n');
  await ok(['container', 'start', 'e2e-d']);
  await eventually(() => ok(['container', 'logs', 'e2e-d']), (s) => s === 'started\nstarted\n', 'the log after restart');
  const logs = await ok(['container', 'logs', '--tail', '1', '-t', 'e2e-d']);
  t.regex(logs, /^\d{4}-\d{2}-\d{2}T\S+ started\n$/);
  await ok(['container', 'rm', '-f', 'e2e-d']);
  const gone = await tspaas(['container', 'inspect', 'e2e-d']);
  t.is(gone.code, 1);
  t.regex(gone.stderr, /^tspaas: .*e2e-d/m);
});

test('run --health-cmd: ps shows (healthy) and filters by health; inspect has State.Health', async (t) => {
  await ok(['container', 'run', '-d', '--name', 'hc', '--health-cmd', 'echo ok', '--health-interval', '1s', '--health-retries', '1', 'busybox', 'sleep', '300']);
  const ps = await eventually(() => ok(['container', 'ps', '--filter', 'health=healthy', '--filter', 'name=hc']), (out) => /\(healthy\).*hc/.test(out), 'hc to be healthy');
  t.regex(ps, /Up .* \(healthy\)/);
  t.is((await ok(['container', 'inspect', '-f', '{{.State.Health.Status}}', 'hc'])).trim(), 'healthy');
  t.is((await ok(['container', 'ps', '-q', '--filter', 'health=unhealthy', '--filter', 'name=hc'])).trim(), '');
  await ok(['container', 'rm', '-f', 'hc']);
});

test('volumes and cp both ways', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsp-cp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await ok(['volume', 'create', 'e2e-vol']);
  await ok(['container', 'run', '--rm', '-v', 'e2e-vol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
  t.is(await ok(['container', 'run', '--rm', '-v', 'e2e-vol:/data:ro', 'busybox', 'cat', '/data/f']), 'kept\n');
  t.regex(await ok(['volume', 'ls']), /local +e2e-vol/);
  await ok(['container', 'run', '-d', '--name', 'e2e-cp', 'busybox', 'sleep', '300']);
  mkdirSync(path.join(dir, 'in'));
  writeFileSync(path.join(dir, 'in', 'hello.txt'), 'hello from the host\n');
  await ok(['container', 'cp', path.join(dir, 'in'), 'e2e-cp:/tmp/']);
  t.is(await ok(['container', 'exec', 'e2e-cp', 'cat', '/tmp/in/hello.txt']), 'hello from the host\n');
  await ok(['container', 'exec', 'e2e-cp', 'sh', '-c', 'echo made inside > /tmp/out.txt']);
  await ok(['container', 'cp', 'e2e-cp:/tmp/out.txt', path.join(dir, 'copied.txt')]);
  t.is(readFileSync(path.join(dir, 'copied.txt'), 'utf8'), 'made inside\n');
  t.regex(await ok(['container', 'diff', 'e2e-cp']), /A \/tmp\/out.txt/);
  await ok(['container', 'rm', '-f', 'e2e-cp']);
  t.is(await ok(['volume', 'rm', 'e2e-vol']), 'e2e-vol\n');
});

test('image ls and inspect show the base image', async (t) => {
  t.regex(await ok(['image', 'ls']), /^busybox +latest +[0-9a-f]{12} /m);
  const [img] = JSON.parse(await ok(['image', 'inspect', 'busybox'])) as { RepoTags: string[] }[];
  t.deepEqual(img!.RepoTags, ['busybox:latest']);
});

/** `tspaas …` in a real pty (tmux), talking to this file's daemon. */
function ptyCli(t: { teardown(fn: () => void): void }, args: string[]): TmuxSession {
  return tmuxSession(t, `cli-${args[1]}`, [...CLI, ...args], { env: { TSPAAS_ENGINE_SOCK: ENV.TSPAAS_ENGINE_SOCK } });
}

test('interactive shell in a real pty: terminal size follows the window, exit code propagates', async (t) => {
  const pty = ptyCli(t, ['container', 'run', '-it', '--rm', 'busybox', 'sh']);
  await eventually(pty.screen, (s) => /^\/ # ?$/m.test(s), 'the shell prompt');
  pty.keys('stty size', 'Enter');
  await eventually(pty.screen, (s) => /^24 80$/m.test(s), 'stty size 24 80');
  pty.resize(100, 30);
  await expectSize(pty, 30, 100);
  pty.keys('exit 7', 'Enter');
  t.is(await pty.exitStatus(), 7);
});

test('exec -it in a real pty, and follow logs until the container stops', async (t) => {
  await ok(['container', 'run', '-d', '-it', '--name', 'e2e-exec', 'busybox', 'sh']);
  const pty = ptyCli(t, ['container', 'exec', '-it', 'e2e-exec', 'sh']);
  await eventually(pty.screen, (s) => /^\/ # ?$/m.test(s), 'the exec shell prompt');
  pty.keys('tty; stty size', 'Enter');
  await eventually(pty.screen, (s) => /^\/dev\/pts\/\d+\n24 80$/m.test(s), 'a tty of 24x80');
  pty.keys('exit 5', 'Enter');
  t.is(await pty.exitStatus(), 5);
  await ok(['container', 'rm', '-f', 'e2e-exec']);
  await ok(['container', 'run', '-d', '--name', 'e2e-follow', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.3; done']);
  t.is(await ok(['container', 'logs', '-f', 'e2e-follow']), '1\n2\n3\n');
  await ok(['container', 'rm', 'e2e-follow']);
});
