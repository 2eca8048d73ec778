/**
 * Exec and attach with Docker's semantics, against a real engine behind a
 * real socket: dockerode always, the stock docker CLI when installed. The
 * cases are the ones Docker's own clients depend on (docker-py 5.0.3's
 * api_exec_test.py and AttachContainerTest, Testcontainers' exit-code wait,
 * the docker CLI's exec and attach); Docker (moby) is the reference for each
 * answer.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { demux, request } from './client.js';
import { docker, dockerCliPath, withDockerCli } from './cli.js';
import { serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';

let served: ServedEngine;
let client: Docker;
/** A long-running `cat` with stdin open and no terminal, and one with a terminal. */
let plain: Docker.Container;
let tty: Docker.Container;

test.before(async () => {
  served = await serveTestEngine({ version: '0.1.0-e2e', busybox: true, quiet: true });
  client = served.client;
  plain = await client.createContainer({ name: 'plain', Image: 'busybox', Cmd: ['cat'], OpenStdin: true });
  tty = await client.createContainer({ name: 'tty', Image: 'busybox', Cmd: ['cat'], OpenStdin: true, Tty: true });
  await plain.start();
  await tty.start();
});
test.after.always(() => served?.close());

/** Run an exec attached (as `docker exec` does), demultiplexed; with its inspect once the stream ended. */
async function execRun(c: Docker.Container, opts: Docker.ExecCreateOptions): Promise<{ stdout: string; stderr: string; exitCode: number | null; running: boolean }> {
  const exec = await c.exec({ AttachStdout: true, AttachStderr: true, ...opts });
  const out = await demux(await exec.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream);
  const info = await exec.inspect();
  return { ...out, exitCode: info.ExitCode, running: info.Running };
}

/** Wait until `stream` ends (or fail after `ms`); what it carried. */
function ended(stream: Duplex, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`the stream did not end; it carried ${JSON.stringify(Buffer.concat(chunks).toString())}`)), ms);
    stream.on('data', (d: Buffer) => chunks.push(d));
    const done = () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); };
    stream.once('end', done);
    stream.once('close', done);
  });
}

/** Read `stream` until its text matches `re`. */
function until(stream: Duplex, re: RegExp, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`never saw ${re}; got ${JSON.stringify(text)}`)), ms);
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (re.test(text)) { clearTimeout(timer); stream.off('data', onData); resolve(text); }
    };
    stream.on('data', onData);
  });
}

test.serial('exec: a fast process\'s output is never lost (the reply is flushed before the process starts)', async (t) => {
  // The issue's bug: the first output of an exec now and then did not arrive. 40 in a row, with and without a terminal.
  for (let i = 0; i < 20; i++) {
    const r = await execRun(plain, { Cmd: ['echo', `line ${i}`] });
    t.is(r.stdout, `line ${i}\n`, `run ${i}`);
    t.is(r.exitCode, 0);
    const e = await execRun(plain, { Cmd: ['sh', '-c', `echo err ${i} >&2`] });
    t.is(e.stderr, `err ${i}\n`, `run ${i} (stderr)`);
  }
  for (let i = 0; i < 20; i++) {
    const exec = await plain.exec({ Cmd: ['printf', `tty ${i}`], AttachStdout: true, Tty: true });
    const raw = await ended(await exec.start({ hijack: true, stdin: false, Tty: true }) as unknown as Duplex);
    t.is(raw.toString(), `tty ${i}`, `tty run ${i}`);
  }
});

test('exec: a missing command is exit code 127, a non-executable one 126, reported in the stream (moby setExitCodeFromError, Docker 28)', async (t) => {
  const missing = await execRun(plain, { Cmd: ['no-such-binary', 'x'] });
  t.is(missing.exitCode, 127);
  t.false(missing.running);
  t.regex(missing.stdout, /^OCI runtime exec failed: .*no-such-binary.*\r\n$/s);
  const notExecutable = await execRun(plain, { Cmd: ['/etc/passwd'] });
  t.is(notExecutable.exitCode, 126);
  t.regex(notExecutable.stdout, /^OCI runtime exec failed: .*[Pp]ermission denied/s);
  const directory = await execRun(plain, { Cmd: ['/tmp'] });
  t.is(directory.exitCode, 126);
  // Testcontainers' default wait runs a shell probe through exec; a missing shell must read as 127, not as an HTTP error.
  const second = await plain.exec({ Cmd: ['no-such-binary'], AttachStdout: true });
  await demux(await second.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream);
  const again = await t.throwsAsync(second.start({ hijack: true, stdin: false })) as Error & { statusCode: number };
  t.is(again.statusCode, 409, 'an exec runs once');
});

test('exec: WorkingDir and User are honoured; a missing working dir is 127 (moby: no such file or directory); an unknown user is refused at create as Docker words it', async (t) => {
  t.is((await execRun(plain, { Cmd: ['pwd'], WorkingDir: '/tmp' })).stdout, '/tmp\n');
  const nobody = await execRun(plain, { Cmd: ['sh', '-c', 'id -un; id -u'], User: 'nobody' });
  t.is(nobody.stdout, 'nobody\n65534\n');
  t.is((await execRun(plain, { Cmd: ['id', '-u'], User: '1234:55' })).stdout, '1234\n', 'a numeric uid needs no passwd entry');
  const badDir = await execRun(plain, { Cmd: ['pwd'], WorkingDir: '/no/such/dir' });
  t.is(badDir.exitCode, 127);
  t.regex(badDir.stdout, /^OCI runtime exec failed: .*\/no\/such\/dir/s);
  const unknown = await t.throwsAsync(plain.exec({ Cmd: ['true'], User: 'postgres' })) as Error & { statusCode: number };
  t.is(unknown.statusCode, 400);
  t.regex(unknown.message, /unable to find user postgres: no matching entries in passwd file/);
  const badKeys = await t.throwsAsync(plain.exec({ Cmd: ['true'], DetachKeys: 'ctrl-1' } as Docker.ExecCreateOptions)) as Error & { statusCode: number };
  t.is(badKeys.statusCode, 400);
  t.regex(badKeys.message, /Invalid escape keys \(ctrl-1\) provided/);
});

test('exec with a terminal: ctrl-p ctrl-q detaches the client, the exec and the container keep running; a ctrl-p alone is input', async (t) => {
  const exec = await tty.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true }) as unknown as Duplex;
  stream.write('hello\n');
  await until(stream, /hello\r\n/);
  const gone = ended(stream);
  stream.write(Buffer.from([0x10, 0x10, 0x10, 0x11])); // ctrl-p ctrl-p: no match, passed on; then ctrl-p ctrl-q
  await gone;
  const info = await exec.inspect();
  t.true(info.Running, 'the exec still runs');
  t.is(info.ExitCode, null);
  t.true((await tty.inspect()).State.Running);
});

test('exec: DetachKeys from exec create (docker-py sends detachKeys from its config file) replace the default', async (t) => {
  const exec = await tty.exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, Tty: true, detachKeys: 'ctrl-x' } as Docker.ExecCreateOptions);
  t.is((await exec.inspect() as { DetachKeys?: string }).DetachKeys, 'GA==', 'Go\'s []byte of ctrl-x, as dockerd shows it');
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true }) as unknown as Duplex;
  stream.write(Buffer.from('a\x10b\n')); // ctrl-p is input now (the terminal echoes it as ^P)
  await until(stream, /a\^Pb\r\n/);
  const gone = ended(stream);
  stream.write(Buffer.from([0x18]));
  await gone;
  t.true((await exec.inspect()).Running);
});

test('attach with a terminal: detachKeys detach the client, the container keeps running; malformed keys are a 400', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true, Tty: true });
  await c.start();
  const stream = await c.attach({ stream: true, stdin: true, stdout: true, hijack: true, detachKeys: 'ctrl-x' } as Docker.ContainerAttachOptions) as unknown as Duplex;
  stream.write('ping\n');
  await until(stream, /ping\r\n/);
  const gone = ended(stream);
  stream.write(Buffer.from([0x18]));
  await gone;
  t.true((await c.inspect()).State.Running, 'the container keeps running');
  // Reattach with the default keys: the same cat still answers.
  const again = await c.attach({ stream: true, stdin: true, stdout: true, hijack: true }) as unknown as Duplex;
  again.write('pong\n');
  await until(again, /pong\r\n/);
  const goneAgain = ended(again);
  again.write(Buffer.from([0x10, 0x11]));
  await goneAgain;
  t.true((await c.inspect()).State.Running);
  const bad = await request(served.socketPath, 'POST', `/containers/${c.id}/attach?stream=1&stdin=1&detachKeys=ctrl-%3F`);
  t.is(bad.status, 400);
  t.regex(bad.body.toString(), /Invalid detach keys \(ctrl-\?\) provided/);
  await c.remove({ force: true });
});

test('attach with stream=false returns the logs so far and ends (docker-py test_attach_no_stream)', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo hello; echo oops >&2'] });
  await c.start();
  await c.wait();
  const stream = await c.attach({ stream: false, logs: true, stdout: true, stderr: true, hijack: true }) as unknown as NodeJS.ReadableStream;
  t.deepEqual(await demux(stream), { stdout: 'hello\n', stderr: 'oops\n' });
  await c.remove();
});

test('attach to a paused container is refused with 409, as dockerd; after unpause it attaches', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] });
  await c.start();
  await c.pause();
  const err = await t.throwsAsync(c.attach({ stream: true, stdout: true, hijack: true })) as Error & { statusCode?: number };
  t.is(err.statusCode, 409);
  t.regex(err.message, /is paused, unpause the container before attach/);
  await c.unpause();
  const stream = await c.attach({ stream: true, stdout: true, hijack: true }) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const first = await new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  t.regex(first, /tick/);
  stream.destroy();
  await c.remove({ force: true });
});

/** POST `path` upgraded on a raw socket; the first chunk read (the head, alone if the engine waits) and the rest. */
function upgradedChunks(path: string, body = ''): Promise<{ first: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(served.socketPath);
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => resolve({ first: chunks[0]?.toString('latin1') ?? '', rest: Buffer.concat(chunks.slice(1)) }));
    sock.on('error', reject);
    sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
}

test('the head of an attach or exec stream arrives alone (docker-py reads it buffered, then the raw socket: test_attach_no_stream)', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['echo', 'hello'] });
  await c.start();
  await c.wait();
  // The engine sends the head, then the stream 20 ms later. A test process that is itself held up for longer
  // (a loaded host) reads both at once, so up to ten tries (three once failed at load 12 on two cores: each try
  // is cheap, and they only add up on a slow host); an engine that sent them together fails all ten.
  const headAlone = async (open: () => Promise<{ first: string; rest: Buffer }>) => {
    let got: { first: string; rest: Buffer } = { first: '', rest: Buffer.alloc(0) };
    for (let i = 0; i < 10; i++) {
      got = await open();
      if (/^HTTP\/1\.1 101 UPGRADED\r\n[^]*\r\n\r\n$/.test(got.first)) return got;
      t.log(`try ${i + 1}: the head came with ${JSON.stringify(got.first.slice(got.first.indexOf('\r\n\r\n') + 4))}`);
    }
    return got;
  };
  const attached = await headAlone(() => upgradedChunks(`/v1.44/containers/${c.id}/attach?logs=1&stdout=1&stderr=1&stream=0`));
  t.regex(attached.first, /^HTTP\/1\.1 101 UPGRADED\r\n[^]*\r\n\r\n$/, 'nothing after the head in its read');
  t.deepEqual(await demux(attached.rest), { stdout: 'hello\n', stderr: '' });
  const started = await headAlone(async () => {
    const exec = await plain.exec({ Cmd: ['echo', 'fast'], AttachStdout: true });
    return upgradedChunks(`/v1.44/exec/${exec.id}/start`, '{"Detach":false,"Tty":false}');
  });
  t.regex(started.first, /^HTTP\/1\.1 101 UPGRADED\r\n[^]*\r\n\r\n$/);
  t.deepEqual(await demux(started.rest), { stdout: 'fast\n', stderr: '' });
  await c.remove();
});

test('a client that leaves an attach does not close the container\'s stdin unless StdinOnce (Docker\'s CloseStdin)', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true });
  await c.start();
  const first = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as unknown as Duplex;
  first.write('one\n');
  await until(first, /one\n/);
  first.end(); // the client's stdin ends and it goes away
  await ended(first).catch(() => undefined);
  first.destroy();
  await new Promise((r) => setTimeout(r, 300));
  t.true((await c.inspect()).State.Running, 'cat still reads its stdin');
  const second = await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as unknown as Duplex;
  second.write('two\n');
  await until(second, /two\n/);
  second.destroy();
  await c.remove({ force: true });
  // StdinOnce: the first client's end of stdin is the process's (docker run -i).
  const once = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'cat; echo done'], OpenStdin: true, StdinOnce: true });
  const s = await once.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as unknown as Duplex;
  await once.start();
  s.end('last\n');
  t.deepEqual(await demux(s as unknown as NodeJS.ReadableStream), { stdout: 'last\ndone\n', stderr: '' });
  await once.remove({ force: true });
});

withDockerCli(() => {
  const cli = (args: string[], opts?: Parameters<typeof docker>[2]) => docker(served.socketPath, args, opts);

  test('docker exec: exit codes 127/126 with the runtime\'s message, -u and -w, Docker\'s unknown-user error', async (t) => {
    const missing = await cli(['exec', 'plain', 'no-such-binary']);
    t.is(missing.code, 127, missing.stderr);
    t.regex(missing.stdout + missing.stderr, /OCI runtime exec failed: .*no-such-binary/);
    t.is((await cli(['exec', 'plain', '/etc/passwd'])).code, 126);
    const w = await cli(['exec', '-w', '/tmp', '-u', 'nobody', 'plain', 'sh', '-c', 'pwd; id -un']);
    t.is(w.stdout, '/tmp\nnobody\n', w.stderr);
    const user = await cli(['exec', '-u', 'postgres', 'plain', 'true']);
    t.not(user.code, 0);
    t.regex(user.stderr, /Error response from daemon: unable to find user postgres: no matching entries in passwd file/);
    for (let i = 0; i < 10; i++) t.is((await cli(['exec', 'plain', 'echo', `fast ${i}`])).stdout, `fast ${i}\n`);
  });

  test('docker exec -it and docker attach: --detach-keys detach the CLI, the container keeps running', async (t) => {
    const exec = await typeInTerminal(['exec', '-it', '--detach-keys', 'ctrl-x', 'tty', 'cat'], 'typed\n', '\x18');
    // The CLI itself reports a detach this way (its EscapeError), with Docker too.
    t.regex(exec.output, /typed\r\n[^]*read escape sequence/);
    t.true((await tty.inspect()).State.Running);
    const attach = await typeInTerminal(['attach', '--detach-keys', 'ctrl-x', 'tty'], 'again\n', '\x18');
    t.regex(attach.output, /again\r\n[^]*read escape sequence/);
    t.true((await tty.inspect()).State.Running);
    t.regex((await cli(['exec', 'tty', 'echo', 'still here'])).stdout, /still here/, 'the container still runs execs');
  });
});

/**
 * Run the docker CLI in a terminal (script(1)), type `line` once it runs, then `keys` once the line came back;
 * stdin stays open (its end would be a ctrl-d on the terminal). Resolves when the CLI exits.
 */
function typeInTerminal(args: string[], line: string, keys: string): Promise<{ code: number; output: string }> {
  const argv = [dockerCliPath, '-H', `unix://${served.socketPath}`, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', argv, '/dev/null'], { env: { ...process.env, DOCKER_CONFIG: served.dir, DOCKER_CLI_HINTS: 'false' }, stdio: 'pipe' });
  let output = '';
  let typedKeys = false;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('latin1');
    if (!typedKeys && output.includes(line.trim())) {
      typedKeys = true;
      setTimeout(() => child.stdin.write(keys), 300);
    }
  });
  const typeLine = setTimeout(() => child.stdin.write(line), 1500);
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(typeLine);
    clearTimeout(killer);
    resolve({ code: code ?? -1, output });
  }));
}
