/**
 * Nothing a tenant names is fetched from the host's point of view (issue 12,
 * part 2), on a real engine with the real build stack:
 * - `https://` buildpacks (a tarball and a git repository pinned by #ref) are
 *   downloaded by the build container from an outside host through NAT;
 * - a local path (existing or not), `file://`, `ssh://`, `git@`, `http://`,
 *   and https URLs naming loopback (also in the OWASP SSRF prevention cheat
 *   sheet's decimal/hex/octal spellings, and `localhost`) or the host's own
 *   address all fail with one message, and listeners on the host see no
 *   connection;
 * - a `.buildpacks` that is a symlink to a host file is refused without
 *   reading it (the symlink case of Docker's FollowSymlinkInScope tests).
 */
import test from 'ava';
import net from 'node:net';
import os from 'node:os';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import type { BuildOptions } from '../../buildpacks/types.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks } from '../helpers/stacks.js';
import { createHttpsOutside, writeTree, type HttpsOutside } from '../helpers/https-outside.js';

let te: TestEngine;
let web: HttpsOutside;
let scratch: string;

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
  web = await createHttpsOutside(te.config.network.pool);
  scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'tsp-bp-sandbox-'));
});
test.after.always(async () => {
  await web?.remove();
  await te?.cleanup();
  if (scratch) await fsp.rm(scratch, { recursive: true, force: true });
});

/** A buildpack whose compile writes `word` into the app and whose release names it. */
const wordBuildpack = (word: string) => ({
  'bin/detect': `+x #!/bin/sh\necho ${word}\n`,
  'bin/compile': `+x #!/bin/sh\necho "-----> compiling ${word}"\necho ${word} >> "$1/built-by"\n`,
  'bin/release': '+x #!/bin/sh\nprintf -- "---\\ndefault_process_types:\\n  web: cat built-by\\n"\n',
});

let n = 0;
/** Build a source dir holding `files`; the error, the output and the result. */
async function build(files: Record<string, string>, extra: Partial<BuildOptions> = {}) {
  const source = path.join(scratch, `app-${++n}`);
  await writeTree(source, files);
  const lines: string[] = [];
  const tag = `sandboxed-${n}:latest`;
  const result = await buildApp(te.engine, { source, tag, caFile: web.caFile, onOutput: (l) => lines.push(l), ...extra }).catch((e: Error) => e);
  return { result, lines, tag };
}

/** A TCP listener on the host that counts connections. */
async function hostListener(host: string): Promise<{ port: number; connections(): number; close(): void }> {
  let count = 0;
  const srv = net.createServer((s) => { count++; s.destroy(); });
  await new Promise<void>((r) => srv.listen(0, host, r));
  return { port: (srv.address() as net.AddressInfo).port, connections: () => count, close: () => srv.close() };
}

// Serial (ava runs it before the others): alone on the default bridge, not among the hostile test's dozen build containers.
test.serial('https:// buildpacks, a tarball and a git repository pinned by #ref, are fetched by the build container from an outside host', async (t) => {
  const tarball = await web.addTarball('first', wordBuildpack('tarball'));
  const repo = await web.addGitRepo('second', wordBuildpack('git'));
  const { result, lines, tag } = await build({ '.buildpacks': `${tarball}\n${repo}#v1\n`, 'README': 'x\n' });
  if (result instanceof Error) return t.fail(`${result.message}\n${lines.join('\n')}`);
  t.deepEqual(result.buildpacks.map((b) => b.name), ['tarball', 'git']);
  t.true(lines.includes(`-----> Fetching buildpack ${tarball}`));
  t.is((await runToEnd(te.engine, { image: tag, cmd: ['cat', '/app/built-by'] })).stdout, 'tarball\ngit\n');
});

test('local paths, file://, ssh://, git@, http:// and URLs naming the host fail alike; the host sees no connection', async (t) => {
  t.timeout(5 * 60_000);
  const loop = await hostListener('127.0.0.1');
  const all = await hostListener('0.0.0.0');
  t.teardown(() => { loop.close(); all.close(); });
  const existing = path.join(scratch, 'host-bp');
  await writeTree(existing, wordBuildpack('host'));
  const own = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)!.address;
  const refs = [
    existing, path.join(scratch, 'no-such-bp'), `file://${existing}`, 'ssh://git@example.com/bp.git', 'git@example.com:bp.git',
    `http://${web.outside.address}/first.tgz`,
    `https://127.0.0.1:${loop.port}/bp.tgz`,
    `https://2130706433:${loop.port}/bp.git`, // OWASP SSRF cheat sheet: decimal IPv4
    `https://0x7f.0.0.1:${loop.port}/bp.git`, // hex
    `https://0177.0.0.1:${loop.port}/bp.git`, // octal
    `https://localhost:${loop.port}/bp.tgz`,
    `https://${own}:${all.port}/bp.tgz`,
    `https://${web.outside.hostAddress}:${all.port}/bp.git`,
  ];
  const runs = await Promise.all(refs.map((ref) => build({ '.buildpacks': `${ref}\n`, 'README': 'x\n' })));
  for (const [i, { result }] of runs.entries()) {
    t.true(result instanceof Error, refs[i]);
    const err = result as Error & { kind?: string };
    t.is(err.kind, 'Forbidden', `${refs[i]}: ${err.message}`);
    t.is(err.message, `buildpack ${refs[i]} is not allowed: a build takes bundled buildpacks (nodejs, python, go, static, procfile) or https:// URLs of git repositories or tarballs on public hosts`);
  }
  t.is(loop.connections(), 0, 'nothing connected to the host\'s loopback');
  t.is(all.connections(), 0, 'nothing connected to the host\'s own addresses');
});

test('the operator\'s own builds (allowLocal) may still name a local buildpack', async (t) => {
  const existing = path.join(scratch, 'operator-bp');
  await writeTree(existing, wordBuildpack('operator'));
  const { result } = await build({ 'README': 'x\n' }, { buildpacks: [existing], allowLocal: true });
  if (result instanceof Error) return t.fail(result.message);
  t.deepEqual(result.buildpacks.map((b) => b.name), ['operator']);
});

test('a .buildpacks that is a symlink to a host file, or too large, is refused without reading it', async (t) => {
  const secret = path.join(scratch, 'host-secret');
  await fsp.writeFile(secret, 'https://secret.example/only-the-host-knows.tgz\n');
  const source = path.join(scratch, 'linked-app');
  await writeTree(source, { 'README': 'x\n' });
  await fsp.symlink(secret, path.join(source, '.buildpacks'));
  const linked = await buildApp(te.engine, { source, tag: 'linked:latest' }).catch((e: Error) => e);
  t.true(linked instanceof Error);
  t.regex((linked as Error).message, /^\.buildpacks must be a regular file/);
  t.false((linked as Error).message.includes('only-the-host-knows'));
  const big = await build({ '.buildpacks': `${'#'.repeat(70 * 1024)}\nnodejs\n` });
  t.regex((big.result as Error).message, /^\.buildpacks must be a regular file .* of at most 64 KiB/);
});
