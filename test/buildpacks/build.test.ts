/**
 * The buildpack runner end to end on a real engine: Procfile-only and static
 * apps, a custom buildpack from a local git repository, a multi-buildpack app
 * (order and `export` files), the slug's determinism, and the failure cases
 * (nothing detected, a failing compile, the time limit, a bad Procfile), none
 * of which may leave an image.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { buildApp } from '../../buildpacks/build.js';
import type { BuildOptions } from '../../buildpacks/types.js';
import { LABELS } from '../../buildpacks/types.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';

let te: TestEngine;
const dirs: string[] = [];

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
});
test.after.always(async () => {
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

/** Build `files` as `tag` as the operator does (local buildpacks allowed; sandbox.test.ts covers tenants' builds); the result and the output lines. */
async function build(files: Record<string, string>, tag: string, extra: Partial<BuildOptions> = {}) {
  const source = await writeApp(files);
  dirs.push(source);
  const lines: string[] = [];
  const result = await buildApp(te.engine, { source, tag, caFile: HOST_CA, onOutput: (l) => lines.push(l), allowLocal: true, ...extra });
  return { result, lines, source };
}

/** Build that must fail; returns the error and the output. */
async function buildFails(files: Record<string, string>, tag: string, extra: Partial<BuildOptions> = {}) {
  const lines: string[] = [];
  const err = await build(files, tag, { onOutput: (l) => lines.push(l), ...extra }).then(() => null, (e: Error) => e);
  if (!err) throw new Error(`${tag} built although it should fail`);
  const image = await te.engine.images.get(tag).catch(() => null);
  return { err, lines, image };
}

const shellApp = {
  Procfile: '# a comment\n\nweb: ./server.sh\nworker: sleep 1000\nrelease: echo migrating\n',
  'server.sh': '+x #!/bin/bash\n# a shell app: answers on $PORT with the files in www/\ncd "$(dirname "$0")/www" && exec python3 -m http.server "$PORT"\n',
  'www/index.html': 'hello\n',
};

test('a Procfile-only shell app builds, serves on $PORT, records its process types, and rebuilds to the same /app digest', async (t) => {
  const { result, lines } = await build(shellApp, 'shellapp:latest');
  t.deepEqual(result.buildpacks.map((b) => b.ref), ['procfile']);
  t.deepEqual(result.processTypes, { web: './server.sh', worker: 'sleep 1000' });
  t.is(result.releaseCommand, 'echo migrating');
  t.true(lines.includes('-----> Procfile app detected'), lines.join('\n'));
  t.true(lines.includes('       Procfile declares types -> web, worker'), lines.join('\n'));
  t.true(lines.some((l) => /^ {7}Done: [\d.]+K$/.test(l)), lines.join('\n'));
  const image = await te.engine.images.get('shellapp:latest');
  const labels = image.config.config.Labels!;
  t.deepEqual(JSON.parse(labels[LABELS.processTypes]), result.processTypes);
  t.is(labels[`${LABELS.processPrefix}worker`], 'sleep 1000');
  t.is(labels[LABELS.release], 'echo migrating');
  t.is(image.config.config.WorkingDir, '/app');
  const served = await serveImage(te.engine, 'shellapp:latest');
  t.is((await httpGet(served.url)).body.toString(), 'hello\n');
  const again = await build(shellApp, 'shellapp:again');
  t.is(again.result.slugDigest, result.slugDigest);
});

test('a static site is served with content types, gzip and cache headers; static.json sets root, clean URLs and headers', async (t) => {
  const css = `body { color: red; }\n${'/* padding */\n'.repeat(100)}`;
  const { result } = await build({
    'static.json': JSON.stringify({ root: 'public/', clean_urls: true, headers: { '/assets/**': { 'Cache-Control': 'public, max-age=31536000, immutable' } } }),
    'public/index.html': '<h1>home</h1>\n',
    'public/about.html': '<h1>about</h1>\n',
    'public/assets/site.css': css,
    'public/404.html': 'missing\n',
  }, 'site:latest');
  t.deepEqual(result.buildpacks.map((b) => b.name), ['Static site']);
  const { url } = await serveImage(te.engine, 'site:latest');
  const home = await httpGet(`${url}/`);
  t.is(home.body.toString(), '<h1>home</h1>\n');
  t.is(home.headers['content-type'], 'text/html; charset=utf-8');
  t.is(home.headers['cache-control'], 'no-cache');
  t.is((await httpGet(`${url}/about`)).body.toString(), '<h1>about</h1>\n');
  const gz = await httpGet(`${url}/assets/site.css`, { 'Accept-Encoding': 'gzip' });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.is(gz.headers['content-type'], 'text/css; charset=utf-8');
  t.is(gz.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.true(gz.body.length < css.length);
  const cached = await httpGet(`${url}/assets/site.css`, { 'If-None-Match': String(gz.headers.etag) });
  t.is(cached.status, 304);
  const missing = await httpGet(`${url}/nope`);
  t.is(missing.status, 404);
  t.is(missing.body.toString(), 'missing\n');
});

/** A buildpack in a local git repository; its `v1` tag says "v1", its branch head says "head". */
async function gitBuildpack(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-bp-src-'));
  dirs.push(dir);
  const files = (word: string) => writeFiles(dir, {
    'bin/detect': '+x #!/bin/sh\necho Custom\n',
    'bin/compile': `+x #!/bin/sh\necho "-----> custom buildpack ${word}"\necho "${word}" > "$1/built-by"\necho "export CUSTOM_WORD=${word}" > "$(dirname "$0")/../export"\n`,
    'bin/release': '+x #!/bin/sh\nprintf -- "---\\nconfig_vars:\\n  FROM_CUSTOM: \\"yes\\"\\ndefault_process_types:\\n  web: cat built-by\\n"\n',
  });
  const git = (...args: string[]) => run('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args]);
  await git('init', '-q', '-b', 'main');
  await files('v1');
  await git('add', '.');
  await git('commit', '-q', '-m', 'v1');
  await git('tag', 'v1');
  await files('head');
  await git('commit', '-q', '-am', 'head');
  return dir;
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fsp.writeFile(path.join(dir, name), content.replace(/^\+x /, ''), { mode: 0o755 });
  }
}

test('a custom buildpack from a local git repository runs, pinned by #ref; multi-buildpack runs in order with export files', async (t) => {
  const repo = await gitBuildpack();
  const pinned = await build({ 'README': 'x\n' }, 'custom:v1', { buildpacks: [`file://${repo}#v1`] });
  t.deepEqual(pinned.result.configVars, { FROM_CUSTOM: 'yes' });
  t.true(pinned.lines.includes('-----> custom buildpack v1'), pinned.lines.join('\n'));
  const r1 = await runToEnd(te.engine, { image: 'custom:v1' });
  t.is(r1.stdout, 'v1\n');

  const second = await writeApp({
    'bin/detect': '+x #!/bin/sh\necho Second\n',
    'bin/compile': '+x #!/bin/sh\necho "-----> second sees CUSTOM_WORD=$CUSTOM_WORD"\necho "and $CUSTOM_WORD" >> "$1/built-by"\n',
    'bin/release': '+x #!/bin/sh\necho "--- {}"\n',
  });
  dirs.push(second);
  const multi = await build({ '.buildpacks': `file://${repo}\n# comment\n${second}\n`, Procfile: 'web: cat built-by; echo $FROM_CUSTOM\n' }, 'multi:latest');
  const order = multi.lines.filter((l) => /custom buildpack|second sees/.test(l));
  t.deepEqual(order, ['-----> custom buildpack head', '-----> second sees CUSTOM_WORD=head']);
  t.deepEqual(multi.result.buildpacks.map((b) => b.name), ['Custom', 'Second']);
  const r2 = await runToEnd(te.engine, { image: 'multi:latest' });
  t.is(r2.stdout, 'head\nand head\nyes\n');
});

test('.profile.d scripts are sourced before the process starts', async (t) => {
  await build({ Procfile: 'web: echo "$GREETING from $(pwd)"\n', '.profile.d/greet.sh': 'export GREETING=hi\n' }, 'profiled:latest');
  const r = await runToEnd(te.engine, { image: 'profiled:latest' });
  t.is(r.stdout, 'hi from /app\n');
  // Issue 13 part 2: the app runs as a non-root user (as on Heroku) that owns /app and can write /tmp
  const who = await runToEnd(te.engine, { image: 'profiled:latest', cmd: ['id -u; stat -c %u /app/Procfile; touch /app/new /tmp/new && echo writable; touch /etc/x 2>/dev/null || echo no-etc'] });
  t.is(who.stdout, '1000\n1000\nwritable\nno-etc\n', who.stderr);
});

test('nothing detected: the error lists every buildpack tried and no image is written', async (t) => {
  const { err, image } = await buildFails({ 'notes.txt': 'no app here\n' }, 'undetected:latest');
  t.regex(err.message, /No buildpack detected this app\. Tried, in order: nodejs, python, go, static, procfile/);
  t.is(image, null);
});

test('a failing compile shows its output and leaves no image', async (t) => {
  const bp = await writeApp({
    'bin/detect': '+x #!/bin/sh\necho Failing\n',
    'bin/compile': '+x #!/bin/sh\necho "-----> about to fail"\necho "the real reason" >&2\nexit 3\n',
    'bin/release': '+x #!/bin/sh\necho "--- {}"\n',
  });
  dirs.push(bp);
  const { err, lines, image } = await buildFails({ Procfile: 'web: true\n' }, 'broken:latest', { buildpacks: [bp] });
  t.regex(err.message, /bin\/compile failed \(exit code 3\)/);
  t.true(lines.includes('-----> about to fail'));
  t.true(lines.includes('the real reason'));
  t.is(image, null);
});

test('a buildpack past the time limit is killed and reported', async (t) => {
  const bp = await writeApp({
    'bin/detect': '+x #!/bin/sh\necho Slow\n',
    'bin/compile': '+x #!/bin/sh\necho "-----> sleeping"\nsleep 600\n',
    'bin/release': '+x #!/bin/sh\necho "--- {}"\n',
  });
  dirs.push(bp);
  let sleeping = 0;
  const onOutput = (l: string) => { if (l === '-----> sleeping') sleeping = Date.now(); };
  const { err, image } = await buildFails({ Procfile: 'web: true\n' }, 'slow:latest', { buildpacks: [bp], limits: { timeoutMs: 8000 }, onOutput });
  t.regex(err.message, /bin\/compile ran past the build time limit of 8 s and was killed/);
  t.true(sleeping > 0 && Date.now() - sleeping < 30_000, 'killed well before the 600 s sleep ends');
  t.is(image, null);
});

test('an invalid Procfile line is an error naming the line', async (t) => {
  const { err, image } = await buildFails({ Procfile: 'web: ./run\nthis is not a process\n' }, 'badproc:latest');
  t.regex(err.message, /Procfile line 2 is not "name: command"/);
  t.is(image, null);
});
