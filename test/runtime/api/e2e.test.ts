/**
 * The Engine API end to end: a real engine (conmon, crun/runc, overlayfs) in
 * a temporary root behind a real socket, driven by dockerode (always) and by
 * the stock docker CLI (when installed, see cli.ts). These are the issue's
 * "done when" cases that go through the API.
 */
import test, { type ExecutionContext } from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import tarStream from 'tar-stream';
import { demux } from './client.js';
import { docker, withDockerCli, type CliResult } from './cli.js';
import { serveTestEngineFor } from '../../helpers/engine-api.js';

interface Env {
  socketPath: string;
  dir: string;
  client: Docker;
  cli: (args: string[], opts?: Parameters<typeof docker>[2]) => ReturnType<typeof docker>;
}

async function start(t: { teardown(fn: () => Promise<void>): void }): Promise<Env> {
  const { socketPath, dir, client } = await serveTestEngineFor(t, { version: '0.1.0-e2e' });
  return { socketPath, dir, client, cli: (args, opts) => docker(socketPath, args, opts) };
}

/** A CLI call that must exit 0; its stderr explains a failure. */
async function succeeds(t: ExecutionContext, call: Promise<CliResult>): Promise<CliResult> {
  const r = await call;
  t.is(r.code, 0, r.stderr);
  return r;
}

function toBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

async function pull(client: Docker, ref: string): Promise<void> {
  const stream = await client.pull(ref);
  await new Promise((resolve, reject) => client.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))));
}

/** Create, attach, wait and start like `docker run`; output and exit code. */
async function runLikeDocker(client: Docker, opts: Docker.ContainerCreateOptions): Promise<{ stdout: string; stderr: string; code: number }> {
  const c = await client.createContainer(opts);
  const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const waited = c.wait({ condition: opts.HostConfig?.AutoRemove ? 'removed' : 'next-exit' });
  await c.start();
  const out = await demux(stream);
  return { ...out, code: (await waited).StatusCode };
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tarStream.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return toBuffer(pack as unknown as NodeJS.ReadableStream);
}

test('dockerode: run --rm prints, exits 3; PID 1 is the command, only its processes, its hostname', async (t) => {
  const { client } = await start(t);
  const missing = await t.throwsAsync(client.createContainer({ Image: 'busybox', Cmd: ['true'] })) as Error & { statusCode: number };
  t.is(missing.statusCode, 404);
  t.regex(missing.message, /No such image: busybox:latest/);
  await pull(client, 'busybox:latest');
  const r = await runLikeDocker(client, { Image: 'busybox', Cmd: ['sh', '-c', 'echo hi; exit 3'], HostConfig: { AutoRemove: true } });
  t.is(r.stdout, 'hi\n');
  t.is(r.code, 3);
  t.deepEqual(await client.listContainers({ all: true }), [], '--rm removed it');
  const ps = await runLikeDocker(client, { Image: 'busybox', Hostname: 'box1', Cmd: ['sh', '-c', 'ps -o pid,args | tail -n +2; hostname'] });
  const lines = ps.stdout.trim().split('\n');
  t.is(lines.at(-1), 'box1');
  const procs = lines.slice(0, -1);
  t.regex(procs[0]!, /^\s*1\s+sh -c ps/, 'the command is PID 1');
  t.true(procs.length <= 3, `only the container's processes: ${procs.join(' | ')}`);
  // `docker run --init`: an init is PID 1 and runs the command as its child; its exit code comes through.
  const init = await runLikeDocker(client, { Image: 'busybox', Cmd: ['sh', '-c', 'ps -o pid,args | tail -n +2; exit 4'], HostConfig: { Init: true, AutoRemove: true } });
  t.is(init.code, 4);
  const [first, second] = init.stdout.trim().split('\n');
  t.regex(first!, /^\s*1\s+\/dev\/init -- sh -c ps/, 'the init is PID 1');
  t.regex(second!, /^\s*\d+\s+sh -c ps/, 'the command is its child');
});

test('dockerode: detached container: logs follow, exec, stop in time, start keeps files; commit; diff', async (t) => {
  const { client } = await start(t);
  await pull(client, 'busybox');
  const w = await client.createContainer({ name: 'w', Image: 'busybox', Cmd: ['sh', '-c', 'echo kept > /data.txt; rm /etc/group; while true; do date; sleep 1; done'] });
  await w.start();
  const logs = await w.logs({ follow: true, stdout: true, stderr: true }) as unknown as Readable;
  const firstTwo = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`logs -f gave only ${JSON.stringify(text)}`)), 20_000);
    logs.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if ((text.match(/UTC/g) ?? []).length >= 2) { clearTimeout(timer); logs.destroy(); resolve(text); }
    });
  });
  t.regex(firstTwo, /UTC/);
  const exec = await w.exec({ Cmd: ['ls', '/'], AttachStdout: true, AttachStderr: true });
  const out = await demux(await exec.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream);
  t.regex(out.stdout, /data\.txt/);
  t.is((await exec.inspect()).ExitCode, 0, 'the exit code is recorded when the stream ends');
  const t0 = Date.now();
  await w.stop({ t: 2 });
  // sh as PID 1 ignores SIGTERM: it ends by SIGKILL when the 2 s grace is over, long before the default 10 s.
  const stopped = (await w.inspect()).State;
  t.is(stopped.ExitCode, 137);
  t.true(Date.parse(stopped.FinishedAt) - t0 < 9000, `the process ended ${Date.parse(stopped.FinishedAt) - t0} ms after stop`);
  await w.start();
  const cat = await w.exec({ Cmd: ['cat', '/data.txt'], AttachStdout: true });
  t.is((await demux(await cat.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream)).stdout, 'kept\n');
  const changes = await w.changes() as { Path: string; Kind: number }[];
  t.deepEqual(changes.find((c) => c.Path === '/data.txt'), { Path: '/data.txt', Kind: 1 });
  t.deepEqual(changes.find((c) => c.Path === '/etc'), { Path: '/etc', Kind: 0 });
  t.deepEqual(changes.find((c) => c.Path === '/etc/group'), { Path: '/etc/group', Kind: 2 });
  const committed = await w.commit({ repo: 'snap', tag: '1', comment: 'with data', changes: 'ENV FOO=bar' }) as { Id: string };
  t.regex(committed.Id, /^sha256:[0-9a-f]{64}$/);
  const r = await runLikeDocker(client, { Image: 'snap:1', Cmd: ['sh', '-c', 'cat /data.txt; echo $FOO'] });
  t.is(r.stdout, 'kept\nbar\n');
  const history = await client.getImage('snap:1').history() as { Id: string; Comment: string }[];
  t.is(history[0]!.Id, committed.Id);
  t.is(history[0]!.Comment, 'with data');
});

test('dockerode: save → rmi → load gives the same ID; bad tars are refused by load and import', async (t) => {
  const { client } = await start(t);
  await pull(client, 'busybox');
  const before = await client.getImage('busybox').inspect();
  const saved = await toBuffer(await client.getImage('busybox').get());
  const removed = await client.getImage('busybox').remove() as { Untagged?: string; Deleted?: string }[];
  t.deepEqual(removed[0], { Untagged: 'busybox:latest' });
  t.true(removed.some((r) => r.Deleted === before.Id));
  const loaded = await toBuffer(await client.loadImage(Readable.from([saved])));
  t.regex(loaded.toString(), /Loaded image: busybox:latest/);
  t.is((await client.getImage('busybox').inspect()).Id, before.Id);
  const garbage = Buffer.alloc(4096, 7);
  // As dockerd: 200 and the error in-band (docker-py's test_load_error expects ImageLoadError from it).
  const badLoad = JSON.parse((await toBuffer(await client.loadImage(Readable.from([garbage])))).toString()) as { errorDetail: { message: string }; error: string };
  t.regex(badLoad.errorDetail.message, /not a valid image archive/);
  const badImport = await t.throwsAsync(client.importImage(Readable.from([garbage]), { repo: 'bad', tag: '1' })) as Error & { statusCode: number };
  t.is(badImport.statusCode, 400);
  t.is((await client.listImages()).length, 1, 'nothing half-imported');
});

test('dockerode: archive in and out, export, import, tag, top, stats, pause', async (t) => {
  const { client } = await start(t);
  await pull(client, 'busybox');
  const c = await client.createContainer({ name: 'a', Image: 'busybox', Cmd: ['sleep', '300'] });
  await c.start();
  await c.putArchive(await tarOf({ 'hello.txt': 'hello\n' }), { path: '/tmp' });
  const head = await c.infoArchive({ path: '/tmp/hello.txt' }) as unknown as { headers: Record<string, string> };
  const info = JSON.parse(Buffer.from(head.headers['x-docker-container-path-stat']!, 'base64').toString()) as { name: string; size: number };
  t.like(info, { name: 'hello.txt', size: 6 });
  const tar = await toBuffer(await c.getArchive({ path: '/tmp/hello.txt' }));
  t.true(tar.includes('hello\n'));
  const missing = await t.throwsAsync(c.getArchive({ path: '/nope' })) as Error & { statusCode: number };
  t.is(missing.statusCode, 404);
  const top = await c.top();
  t.true(top.Processes.some((p: string[]) => p.join(' ').includes('sleep 300')));
  const stats = await c.stats({ stream: false }) as unknown as { cpu_stats: { cpu_usage: { total_usage: number } }; memory_stats: { usage: number }; pids_stats: { current: number } };
  t.true(stats.cpu_stats.cpu_usage.total_usage > 0);
  t.true(stats.memory_stats.usage > 0);
  t.is(stats.pids_stats.current, 1);
  const stream = await c.stats({ stream: true }) as unknown as Readable;
  const twoSamples = await new Promise<{ precpu_stats: { cpu_usage: { total_usage: number } } }[]>((resolve) => {
    let text = '';
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      const lines = text.split('\n').filter(Boolean);
      if (lines.length >= 2) { stream.destroy(); resolve(lines.map((l) => JSON.parse(l))); }
    });
  });
  t.true(twoSamples[1]!.precpu_stats.cpu_usage.total_usage > 0, 'a streamed sample carries the previous one');
  await c.pause();
  t.is((await c.inspect()).State.Status, 'paused');
  await c.unpause();
  const exported = await toBuffer(await c.export());
  const imported = await toBuffer(await client.importImage(Readable.from([exported]), { repo: 'flat', tag: '1', message: 'flat' } as object));
  t.regex(imported.toString(), /sha256:[0-9a-f]{64}/);
  await client.getImage('flat:1').tag({ repo: 'flat', tag: '2' });
  const r = await runLikeDocker(client, { Image: 'flat:2', Cmd: ['cat', '/tmp/hello.txt'] });
  t.is(r.stdout, 'hello\n');
});

withDockerCli(() => {
  test('docker CLI: run --rm busybox sh -c \'echo hi; exit 3\' prints hi and exits 3; PID 1 and hostname', async (t) => {
    const { cli } = await start(t);
    const r = await cli(['run', '--rm', 'busybox', 'sh', '-c', 'echo hi; exit 3']);
    t.is(r.stdout, 'hi\n');
    t.is(r.code, 3, r.stderr);
    const ps = await cli(['run', '--rm', '--hostname', 'box1', 'busybox', 'sh', '-c', 'ps -o pid,args | tail -n +2; hostname']);
    const lines = ps.stdout.trim().split('\n');
    t.is(lines.at(-1), 'box1');
    t.regex(lines[0]!, /^\s*1\s+sh -c ps/);
    const tty = await cli(['run', '-it', '--rm', 'busybox', 'sh', '-c', 'tty; exit 4'], { tty: true });
    t.is(tty.code, 4);
    t.regex(tty.stdout, /\/dev\/pts\/0/);
    const piped = await cli(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'through stdin\n' });
    t.is(piped.stdout, 'through stdin\n');
  });

  test('docker CLI: -d, logs -f, exec, stop in time, start keeps files, commit, diff', async (t) => {
    const { cli } = await start(t);
    await cli(['pull', 'busybox']);
    const d = await cli(['run', '-d', '--name', 'w', 'busybox', 'sh', '-c', 'echo kept > /data.txt; rm /etc/group; while true; do date; sleep 1; done']);
    t.is(d.code, 0, d.stderr);
    // `logs -f` is stopped after a while (it never ends by itself); the window covers the CLI's start on a loaded host.
    const logs = await cli(['logs', '-f', 'w'], { timeoutMs: 6000 });
    t.true(logs.stdout.split('\n').filter((l) => /UTC/.test(l)).length >= 2, 'logs -f follows');
    const ls = await cli(['exec', 'w', 'ls', '/']);
    t.is(ls.code, 0);
    t.regex(ls.stdout, /data\.txt/);
    t.is((await cli(['exec', 'w', 'sh', '-c', 'exit 4'])).code, 4);
    const t0 = Date.now();
    await succeeds(t, cli(['stop', '-t', '2', 'w']));
    // sh as PID 1 ignores SIGTERM: it ends by SIGKILL when the 2 s grace is over, long before the default 10 s.
    const [finishedAt, code] = (await cli(['inspect', '-f', '{{.State.FinishedAt}} {{.State.ExitCode}}', 'w'])).stdout.trim().split(' ');
    t.is(code, '137');
    t.true(Date.parse(finishedAt) - t0 < 9000, `the process ended ${Date.parse(finishedAt) - t0} ms after stop`);
    t.regex((await cli(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout, /^w Exited \(\d+\) /);
    await succeeds(t, cli(['start', 'w']));
    t.is((await cli(['exec', 'w', 'cat', '/data.txt'])).stdout, 'kept\n');
    const diff = (await cli(['diff', 'w'])).stdout.split('\n');
    t.true(diff.includes('A /data.txt'));
    t.true(diff.includes('C /etc'));
    t.true(diff.includes('D /etc/group'));
    await succeeds(t, cli(['commit', '-c', 'ENV FOO=bar', 'w', 'snap:1']));
    t.is((await cli(['run', '--rm', 'snap:1', 'sh', '-c', 'cat /data.txt; echo $FOO'])).stdout, 'kept\nbar\n');
    t.regex((await cli(['history', 'snap:1'])).stdout, /<missing>/);
    t.regex((await cli(['top', 'w'])).stdout, /while true/);
    t.regex((await cli(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'w'])).stdout, /^w \d+\n$/);
    await succeeds(t, cli(['pause', 'w']));
    t.regex((await cli(['ps', '--format', '{{.Status}}'])).stdout, /\(Paused\)/);
    await succeeds(t, cli(['unpause', 'w']));
    await succeeds(t, cli(['rename', 'w', 'w2']));
    await succeeds(t, cli(['kill', 'w2']));
    t.is((await cli(['wait', 'w2'])).stdout, '137\n');
    const events = await cli(['events', '--since', '5m', '--until', '0s', '--filter', 'container=w2', '--filter', 'event=die']);
    t.regex(events.stdout, /container die [0-9a-f]{64} .*name=w2/);
    await succeeds(t, cli(['rm', 'w2']));
  });

  test('docker CLI: save → rmi → load gives the same ID; bad tars are refused; cp, export, import, tag', async (t) => {
    const { cli, dir } = await start(t);
    await cli(['pull', 'busybox']);
    const id = (await cli(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout;
    const tarPath = path.join(dir, 'bb.tar');
    await succeeds(t, cli(['save', '-o', tarPath, 'busybox']));
    t.regex((await cli(['rmi', 'busybox'])).stdout, /Untagged: busybox:latest\nDeleted: sha256:/);
    t.regex((await cli(['load', '-i', tarPath])).stdout, /Loaded image: busybox:latest/);
    t.is((await cli(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout, id);
    const bad = path.join(dir, 'bad.tar');
    await writeFile(bad, Buffer.alloc(3000, 1));
    const badLoad = await cli(['load', '-i', bad]);
    t.is(badLoad.code, 1);
    t.regex(badLoad.stderr, /not a valid image archive/i);
    const badImport = await cli(['import', bad, 'bad:1']);
    t.is(badImport.code, 1);
    t.regex(badImport.stderr, /Error response from daemon: .*tar/i);

    await cli(['run', '-d', '--name', 'c', 'busybox', 'sleep', '300']);
    const local = path.join(dir, 'hello.txt');
    await writeFile(local, 'hello\n');
    await succeeds(t, cli(['cp', local, 'c:/tmp/']));
    t.is((await cli(['exec', 'c', 'cat', '/tmp/hello.txt'])).stdout, 'hello\n');
    await succeeds(t, cli(['cp', 'c:/tmp/hello.txt', path.join(dir, 'back.txt')]));
    t.is(await readFile(path.join(dir, 'back.txt'), 'utf8'), 'hello\n');
    const exported = path.join(dir, 'c.tar');
    await succeeds(t, cli(['export', '-o', exported, 'c']));
    const imported = await cli(['import', '-m', 'flat', '-c', 'CMD ["/bin/sh"]', exported, 'flat:1']);
    t.regex(imported.stdout, /^sha256:[0-9a-f]{64}\n$/, imported.stderr);
    await succeeds(t, cli(['tag', 'flat:1', 'flat:2']));
    t.is((await cli(['run', '--rm', 'flat:2', 'cat', '/tmp/hello.txt'])).stdout, 'hello\n');
    t.regex((await cli(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, /flat:2/);
    await succeeds(t, cli(['rm', '-f', 'c']));
  });
});

// The docker CLI's whole conversation: version negotiation, pull-on-missing, attach + wait
// before start, hijacked exec, tty mode, logs -f, errors worded like dockerd's.
withDockerCli(() => {
  test('version negotiates down to 1.44; info prints', async (t) => {
    const { cli: run } = await start(t);
    const v = await run(['version']);
    t.is(v.code, 0, v.stderr);
    t.regex(v.stdout, /API version:\s+1\.44 \(downgraded from/);
    t.regex(v.stdout, /Server: tspaas Engine/);
    const info = await run(['info', '--format', '{{.ServerVersion}} {{.OSType}} {{.Swarm.LocalNodeState}}']);
    t.is(info.stdout.trim(), '0.1.0-e2e linux inactive');
  });

  test('run pulls a missing image, prints output and exits with the container\'s code', async (t) => {
    const { cli: run } = await start(t);
    const r = await run(['run', '--rm', 'busybox', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
    t.is(r.code, 3, r.stderr);
    t.is(r.stdout, 'hi\n');
    t.regex(r.stderr, /Unable to find image 'busybox:latest' locally/);
    t.regex(r.stderr, /Status: Downloaded newer image for busybox:latest/);
    t.regex(r.stderr, /err\n/);
    t.is((await run(['ps', '-aq'])).stdout, '', '--rm removed it');
    const missing = await run(['run', '--rm', 'nosuch:image', 'true']);
    t.is(missing.code, 125);
    t.regex(missing.stderr, /Unable to find image 'nosuch:image' locally/);
    t.regex(missing.stderr, /cannot reach registry docker\.io/, 'a bare name is Docker Hub\'s, which the engine does not reach');
  });

  test('run -i passes stdin; run -it uses a tty', async (t) => {
    const { cli: run } = await start(t);
    await run(['pull', 'busybox']);
    const piped = await run(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'piped\n' });
    t.is(piped.code, 0, piped.stderr);
    t.is(piped.stdout, 'piped\nend\n');
    const tty = await run(['run', '-it', '--rm', 'busybox', 'sh', '-c', 'echo in-tty; exit 5'], { tty: true });
    t.is(tty.code, 5, tty.stderr);
    t.regex(tty.stdout, /in-tty/);
  });

  test('detached container: logs -f, exec, ps, pause, rename, stop, start, wait, rm', async (t) => {
    const { cli: run } = await start(t);
    await run(['pull', 'busybox']);
    const d = await run(['run', '-d', '--name', 'w', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
    t.is(d.code, 0, d.stderr);
    t.regex(d.stdout, /^[0-9a-f]{64}\n$/);
    const logs = await run(['logs', '-f', 'w'], { timeoutMs: 5000 });
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
    t.regex((await run(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).stdout, /^w2 Exited \(137\)/);
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
    const { cli: run } = await start(t);
    const r = await run(['stop', 'ghost']);
    t.is(r.code, 1);
    t.regex(r.stderr, /Error response from daemon: No such container: ghost/);
    await run(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '30']);
    const rm = await run(['rm', 'busy']);
    t.regex(rm.stderr, /You cannot remove a running container/);
    t.is((await run(['rm', '-f', 'busy'])).code, 0);
  });

  test('events --since/--until, top, stats --no-stream, volumes', async (t) => {
    const { cli: run } = await start(t);
    await run(['run', '-d', '--name', 's', 'busybox', 'sleep', '30']);
    const ev = await run(['events', '--since', '1m', '--until', '0s', '--filter', 'event=start']);
    t.regex(ev.stdout, /container start [0-9a-f]{64} \(image=busybox, name=s\)/);
    t.regex((await run(['top', 's'])).stdout, /sleep 30/);
    const stats = await run(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', 's']);
    t.regex(stats.stdout, /^s \d+\.\d+% [\d.]+[KMG]iB \/ [\d.]+[KMG]iB\n$/);
    t.is((await run(['volume', 'create', 'v1'])).stdout, 'v1\n');
    t.regex((await run(['volume', 'ls'])).stdout, /local\s+v1/);
    t.is((await run(['volume', 'rm', 'v1'])).code, 0);
    await run(['rm', '-f', 's']);
  });
});
