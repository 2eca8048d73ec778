/**
 * Dockerfile builds on a real engine (real containers for RUN, COPY, ADD):
 * the "done when" cases for multi-stage builds, .dockerignore, the
 * cache, errors, ADD and the other instructions.
 */
import test from 'ava';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tarStream from 'tar-stream';
import { runToEnd, startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createOutside } from '../../helpers/netns.js';
import { Readable } from 'node:stream';
import { build } from './helpers.js';

let te: TestEngine;
test.before(async () => { te = await startTestEngine(); });
test.after.always(async () => { await te?.cleanup(); });

const MULTI = `# a multi-stage build
ARG BASE=busybox
ARG GREETING
FROM \${BASE} AS build
ARG GREETING=hello
WORKDIR /src
COPY . .
RUN echo "$GREETING from $(cat name.txt)" > /out.txt \\
 && find . -type f | sort > /files.txt
FROM busybox
ENV WHO=world \\
    APP=/app
COPY --from=build /out.txt /files.txt \${APP}/
WORKDIR \${APP}
USER 1000:1000
EXPOSE 8080 9000/udp
HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD test -f /app/out.txt
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat out.txt; cat files.txt; echo $WHO; id -u; pwd"]
`;

const CONTEXT = {
  Dockerfile: MULTI,
  '.dockerignore': '*.log\n!keep.log\n**/secret.txt\nnode_modules\n',
  'name.txt': 'tspaas\n',
  'debug.log': 'no\n',
  'keep.log': 'yes\n',
  'sub/secret.txt': 'no\n',
  'sub/ok.txt': 'yes\n',
  'node_modules/x/index.js': 'no\n',
};

test.serial('a multi-stage Dockerfile builds and runs; .dockerignore excludes and re-includes', async (t) => {
  const r = await build(te.engine, CONTEXT, { tags: ['multi:latest'], buildArgs: { GREETING: 'hi' } });
  t.is(r.error, null, r.error?.message);
  const run = await runToEnd(te.engine, { image: 'multi:latest' });
  t.is(run.exitCode, 0, run.stderr);
  const files = ['./.dockerignore', './Dockerfile', './keep.log', './name.txt', './sub/ok.txt'];
  t.is(run.stdout, `hi from tspaas\n${files.join('\n')}\nworld\n1000\n/app\n`);
  const c = r.image!.config.config;
  t.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '9000/udp': {} });
  t.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'test -f /app/out.txt'], Interval: 30e9, Timeout: 3e9, Retries: 2 });
  t.is(c.User, '1000:1000');
  t.is(c.WorkingDir, '/app');
  t.true(c.Env!.includes('APP=/app'));
  const history = r.image!.config.history!.slice(-8);
  t.deepEqual(history.map((h) => h.created_by!.replace(/[0-9a-f]{64}/, 'SUM')), [
    '/bin/sh -c #(nop)  ENV WHO=world APP=/app',
    '/bin/sh -c #(nop) COPY multi:SUM in /app/ ',
    '/bin/sh -c #(nop) WORKDIR /app',
    '/bin/sh -c #(nop)  USER 1000:1000',
    '/bin/sh -c #(nop)  EXPOSE 8080 9000/udp',
    '/bin/sh -c #(nop)  HEALTHCHECK ["CMD-SHELL" "test -f /app/out.txt"]',
    '/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c"]',
    '/bin/sh -c #(nop)  CMD ["cat out.txt; cat files.txt; echo $WHO; id -u; pwd"]',
  ]);
  t.deepEqual(history.map((h) => h.empty_layer ?? false), [true, false, true, true, true, true, true, true], 'WORKDIR of an existing dir adds no layer');
  t.is(r.image!.layers.length, r.image!.config.rootfs.diff_ids.length);
});

test.serial('unchanged rebuild: every step cached, same image; touch: still cached; new content: from that COPY on', async (t) => {
  const first = await build(te.engine, CONTEXT, { buildArgs: { GREETING: 'hi' } });
  const again = await build(te.engine, CONTEXT, { tags: ['multi:again'], buildArgs: { GREETING: 'hi' } });
  t.is(again.error, null);
  t.is(again.image!.id, first.image!.id);
  t.deepEqual(again.ran, []);
  t.is(again.cached, 12, 'every step but the two FROMs');
  const touched = await build(te.engine, { ...CONTEXT, 'name.txt': { content: 'tspaas\n', mtime: new Date() } }, { buildArgs: { GREETING: 'hi' } });
  t.is(touched.image!.id, first.image!.id);
  t.deepEqual(touched.ran, []);
  const changed = await build(te.engine, { ...CONTEXT, 'name.txt': 'changed\n' }, { buildArgs: { GREETING: 'hi' } });
  t.is(changed.error, null);
  t.not(changed.image!.id, first.image!.id);
  t.deepEqual(changed.ran, ['COPY . .', 'RUN echo "$GREETING from $(cat name.txt)" > /out.txt  && find . -type f | sort > /files.txt', 'COPY --from=build /out.txt /files.txt ${APP}/',
    'WORKDIR ${APP}', 'USER 1000:1000', 'EXPOSE 8080 9000/udp', 'HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD test -f /app/out.txt',
    'ENTRYPOINT ["/bin/sh", "-c"]', 'CMD ["cat out.txt; cat files.txt; echo $WHO; id -u; pwd"]'], 'from the COPY on (later steps have a new parent)');
  const otherArg = await build(te.engine, CONTEXT, { buildArgs: { GREETING: 'hey' } });
  t.deepEqual(otherArg.ran.slice(0, 2).map((s) => s.split(' ')[0]), ['RUN', 'COPY'], 'a build arg used by RUN invalidates it');
  const noCache = await build(te.engine, CONTEXT, { buildArgs: { GREETING: 'hi' }, noCache: true });
  t.is(noCache.cached, 0);
  t.not(noCache.image!.id, first.image!.id);
});

test.serial('the cache survives an image prune: pruned steps are restored or rebuilt, never a missing image', async (t) => {
  const files = { Dockerfile: 'FROM busybox\nRUN echo one > /one\nENV X=1\n' };
  const first = await build(te.engine, files, { tags: ['prune-me:1'] });
  await te.engine.pruneImages();
  const restored = await build(te.engine, files);
  t.is(restored.error, null, restored.error?.message);
  t.is(restored.image!.id, first.image!.id);
  t.deepEqual(restored.ran, [], 'intermediate images pruned while their layers live on are written again');
  await te.engine.removeImage('prune-me:1');
  await te.engine.pruneImages();
  const rebuilt = await build(te.engine, files);
  t.is(rebuilt.error, null, rebuilt.error?.message);
  t.deepEqual(rebuilt.ran, ['RUN echo one > /one', 'ENV X=1'], 'steps whose layers are gone run again');
  await te.engine.pruneBuildCache();
  const cold = await build(te.engine, files);
  t.is(cold.cached, 0);
});

test.serial('a failing RUN shows its output, exit code and step; nothing is tagged', async (t) => {
  const r = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN echo before\nRUN echo oops >&2; exit 3\nRUN echo never\n' }, { tags: ['broken:latest'] });
  t.is(r.error?.message, "The command '/bin/sh -c echo oops >&2; exit 3' returned a non-zero code: 3");
  t.true(r.output.includes('oops\n'));
  const steps = r.events.filter((e) => e.kind === 'step');
  t.deepEqual(steps.at(-1), { kind: 'step', step: 3, total: 4, instruction: 'RUN echo oops >&2; exit 3' });
  await t.throwsAsync(te.engine.images.get('broken:latest'), { message: /broken/ });
  t.true(r.events.some((e) => e.kind === 'container'));
});

test.serial('COPY of a missing source or one outside the context is an error naming it', async (t) => {
  const missing = await build(te.engine, { Dockerfile: 'FROM busybox\nCOPY nope.txt /x\n' });
  t.is(missing.error?.message, 'COPY failed: file not found in build context or excluded by .dockerignore: stat nope.txt: file does not exist');
  const outside = await build(te.engine, { Dockerfile: 'FROM busybox\nCOPY ../etc/passwd /x\n' });
  t.is(outside.error?.message, 'COPY failed: forbidden path outside the build context: ../etc/passwd ()');
  const ignored = await build(te.engine, { Dockerfile: 'FROM busybox\nCOPY a.log /x\n', '.dockerignore': '*.log\n', 'a.log': 'x' });
  t.regex(ignored.error!.message, /excluded by \.dockerignore: stat a\.log/);
  const syntax = await build(te.engine, { Dockerfile: 'FROM busybox\nRUN true\nBOGUS x\n' });
  t.is(syntax.error?.message, 'dockerfile parse error on line 3: unknown instruction: BOGUS');
});

/** A tar.gz holding dir/a.txt. */
async function tarball(): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry({ name: 'dir/a.txt', mode: 0o640, uid: 5, gid: 6 }, 'from the tar\n');
  pack.finalize();
  const { gzipSync } = await import('node:zlib');
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

test.serial('ADD extracts a local tar and fetches a URL from an outside host; COPY --chown/--chmod; heredocs; ONBUILD; FROM scratch', async (t) => {
  const outside = await createOutside(te.config.network.pool);
  t.teardown(() => outside.remove());
  const web = await mkdtemp(path.join(os.tmpdir(), 'tsp-web-'));
  t.teardown(() => rm(web, { recursive: true, force: true }));
  await mkdir(path.join(web, 'files'));
  await writeFile(path.join(web, 'files', 'remote.txt'), 'from the web\n');
  await utimes(path.join(web, 'files', 'remote.txt'), new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'));
  const server = await outside.serve(8080, web);
  t.teardown(() => server.close());
  const url = `http://${outside.address}:8080/files/remote.txt`;
  const base = await build(te.engine, { Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /onbuild.txt\n' }, { tags: ['with-onbuild:latest'] });
  t.deepEqual(base.image!.config.config.OnBuild, ['RUN echo triggered > /onbuild.txt']);
  const files = {
    Dockerfile: `FROM with-onbuild
ADD stuff.tar.gz /unpacked/
ADD ${url} /web/
COPY --chown=1234:99 --chmod=0600 plain.txt /owned/
RUN <<EOF
echo "from a heredoc" > /heredoc.txt
EOF
COPY <<EOT /written.txt
made by COPY
EOT
CMD ["sh", "-c", "cat /unpacked/dir/a.txt /web/remote.txt /onbuild.txt /heredoc.txt /written.txt; stat -c '%u:%g %a' /unpacked/dir/a.txt /web/remote.txt /owned/plain.txt"]
`,
    'stuff.tar.gz': await tarball(),
    'plain.txt': 'plain\n',
  };
  const r = await build(te.engine, files, { tags: ['adds:latest'] });
  t.is(r.error, null, r.error?.message);
  t.true(r.output.includes('# Executing 1 build trigger'));
  t.deepEqual(r.image!.config.config.OnBuild ?? null, null);
  const run = await runToEnd(te.engine, { image: 'adds:latest' });
  t.is(run.stdout, 'from the tar\nfrom the web\ntriggered\nfrom a heredoc\nmade by COPY\n5:6 640\n0:0 600\n1234:99 600\n');
  const again = await build(te.engine, files);
  t.is(again.image!.id, r.image!.id, 'ADD of an unchanged URL is cached by content');
  const bad = await build(te.engine, { Dockerfile: `FROM busybox\nADD ${url}.missing /x\n` });
  t.is(bad.error!.message, `ADD failed: failed to GET ${url}.missing with status 404: Not Found`);
  const scratch = await build(te.engine, { Dockerfile: 'FROM scratch\nCOPY plain.txt /\n', 'plain.txt': 'x' });
  t.is(scratch.error, null, scratch.error?.message);
  t.is(scratch.image!.layers.length, 1);
});

test.serial('--target stops at a stage; -f names another Dockerfile; --label; a plain Dockerfile body', async (t) => {
  const files = {
    'build/Dockerfile.dev': 'FROM busybox AS one\nRUN echo one > /stage\nFROM one AS two\nRUN echo two > /stage\n',
  };
  const r = await build(te.engine, files, { dockerfile: 'build/Dockerfile.dev', target: 'one', labels: { team: 'a b' }, tags: ['target:one'] });
  t.is(r.error, null, r.error?.message);
  t.is(r.events.filter((e) => e.kind === 'step').length, 3);
  t.deepEqual(r.image!.config.config.Labels, { team: 'a b' });
  t.is((await runToEnd(te.engine, { image: 'target:one', cmd: ['cat', '/stage'] })).stdout, 'one\n');
  const bad = await build(te.engine, files, { dockerfile: 'build/Dockerfile.dev', target: 'three' });
  t.is(bad.error?.message, 'failed to reach build target three in Dockerfile');
  const nofile = await build(te.engine, files);
  t.is(nofile.error?.message, 'Cannot locate specified Dockerfile: Dockerfile');
  const plain = await build(te.engine, Readable.from([Buffer.from('FROM busybox\nENV PLAIN=1\n')]));
  t.is(plain.error, null, plain.error?.message);
  t.true(plain.image!.config.config.Env!.includes('PLAIN=1'));
});
