/**
 * The stock docker CLI's conversation with the Engine API (version
 * negotiation, pull-on-missing, attach + wait before start, hijacked exec,
 * tty mode, logs -f), against the fake engine whose containers are host
 * processes. e2e.test.ts repeats the user-visible cases on the real engine.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serveEngineApi } from '../../../runtime/api/server.js';
import { FakeEngine } from './fake-engine.js';
import { docker, withDockerCli } from './cli.js';

async function start(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-cli-'));
  const socketPath = path.join(dir, 'engine.sock');
  const engine = new FakeEngine();
  const server = await serveEngineApi(engine, { socketPath, version: '0.1.0-test' });
  t.teardown(async () => {
    await server.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { run: (args: string[], opts?: Parameters<typeof docker>[2]) => docker(socketPath, args, opts), engine };
}

withDockerCli(() => {
  test('version negotiates down to 1.44; info prints', async (t) => {
    const { run } = await start(t);
    const v = await run(['version']);
    t.is(v.code, 0, v.stderr);
    t.regex(v.stdout, /API version:\s+1\.44 \(downgraded from/);
    t.regex(v.stdout, /Server: tspaas Engine/);
    const info = await run(['info', '--format', '{{.ServerVersion}} {{.OSType}} {{.Swarm.LocalNodeState}}']);
    t.is(info.stdout.trim(), '0.1.0-test linux inactive');
  });

  test('run pulls a missing image, prints output and exits with the container\'s code', async (t) => {
    const { run } = await start(t);
    const r = await run(['run', '--rm', 'busybox', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
    t.is(r.code, 3, r.stderr);
    t.is(r.stdout, 'hi\n');
    t.regex(r.stderr, /Unable to find image 'busybox:latest' locally/);
    t.regex(r.stderr, /Status: Downloaded newer image for busybox:latest/);
    t.regex(r.stderr, /err\n/);
    t.is((await run(['ps', '-aq'])).stdout, '', '--rm removed it');
    const missing = await run(['run', '--rm', 'nosuch:image', 'true']);
    t.is(missing.code, 125);
    t.regex(missing.stderr, /No such image/);
  });

  test('run -i passes stdin; run -it uses a tty', async (t) => {
    const { run } = await start(t);
    await run(['pull', 'busybox']);
    const piped = await run(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'piped\n' });
    t.is(piped.code, 0, piped.stderr);
    t.is(piped.stdout, 'piped\nend\n');
    const tty = await run(['run', '-it', '--rm', 'busybox', 'sh', '-c', 'echo in-tty; exit 5'], { tty: true });
    t.is(tty.code, 5, tty.stderr);
    t.regex(tty.stdout, /in-tty/);
  });

  test('detached container: logs -f, exec, ps, pause, rename, stop, start, wait, rm', async (t) => {
    const { run } = await start(t);
    await run(['pull', 'busybox']);
    const d = await run(['run', '-d', '--name', 'w', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
    t.is(d.code, 0, d.stderr);
    t.regex(d.stdout, /^[0-9a-f]{64}\n$/);
    const logs = await run(['logs', '-f', 'w'], { timeoutMs: 1500 });
    t.true(logs.stdout.split('\n').filter((l) => l === 'tick').length >= 3, 'logs -f keeps following');
    const ls = await run(['exec', 'w', 'sh', '-c', 'echo from-exec; exit 4']);
    t.is(ls.code, 4);
    t.is(ls.stdout, 'from-exec\n');
    const execTty = await run(['exec', '-it', 'w', 'sh', '-c', 'echo exec-tty'], { tty: true });
    t.is(execTty.code, 0, execTty.stderr);
    t.regex(execTty.stdout, /exec-tty/);
    t.regex((await run(['ps', '--format', '{{.Names}} {{.Status}}'])).stdout, /^w Up (Less than a second|\d+ seconds?)\n$/);
    t.is((await run(['pause', 'w'])).code, 0);
    t.regex((await run(['ps', '--format', '{{.Status}}'])).stdout, /\(Paused\)/);
    t.is((await run(['unpause', 'w'])).code, 0);
    t.is((await run(['rename', 'w', 'w2'])).code, 0);
    t.is((await run(['stop', '-t', '2', 'w2'])).code, 0);
    t.regex((await run(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout, /^w2 Exited \(143\)/);
    t.is((await run(['start', 'w2'])).code, 0);
    t.is((await run(['kill', 'w2'])).code, 0);
    t.is((await run(['wait', 'w2'])).stdout, '137\n');
    t.is((await run(['inspect', '-f', '{{.State.Status}} {{.Name}}', 'w2'])).stdout, 'exited /w2\n');
    t.is((await run(['rm', 'w2'])).code, 0);
    const gone = await run(['inspect', 'w2']);
    t.is(gone.code, 1);
    t.regex(gone.stderr, /No such object: w2/);
  });

  test('errors read like dockerd\'s', async (t) => {
    const { run } = await start(t);
    const r = await run(['stop', 'ghost']);
    t.is(r.code, 1);
    t.regex(r.stderr, /Error response from daemon: No such container: ghost/);
    await run(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '30']);
    const rm = await run(['rm', 'busy']);
    t.regex(rm.stderr, /You cannot remove a running container/);
    t.is((await run(['rm', '-f', 'busy'])).code, 0);
  });

  test('events --since/--until, top, stats --no-stream, volumes', async (t) => {
    const { run } = await start(t);
    await run(['run', '-d', '--name', 's', 'busybox', 'sleep', '30']);
    const ev = await run(['events', '--since', '1m', '--until', '0s', '--filter', 'event=start']);
    t.regex(ev.stdout, /container start [0-9a-f]{64} \(image=busybox, name=s\)/);
    t.regex((await run(['top', 's'])).stdout, /sleep 30/);
    const stats = await run(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', 's']);
    t.regex(stats.stdout, /^s \d+\.\d+% 1MiB \/ 1GiB\n$/);
    t.is((await run(['volume', 'create', 'v1'])).stdout, 'v1\n');
    t.regex((await run(['volume', 'ls'])).stdout, /local\s+v1/);
    t.is((await run(['volume', 'rm', 'v1'])).code, 0);
    await run(['rm', '-f', 's']);
  });
});
