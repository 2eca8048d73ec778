/**
 * `DOCKER_BUILDKIT=0 docker build` with the stock docker CLI through the
 * Engine API (registered only when the CLI is installed; see
 * test/runtime/api/cli.ts for TSPAAS_REQUIRE_DOCKER_CLI).
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serveTestEngineFor } from '../../helpers/engine-api.js';
import { docker, withDockerCli } from '../api/cli.js';

process.env.DOCKER_BUILDKIT = '0';

withDockerCli(() => {
  test('DOCKER_BUILDKIT=0 docker build: classic output, cache, -f, --build-arg, --target, errors; the image runs', async (t) => {
    t.timeout(5 * 60_000);
    const { dir, socketPath } = await serveTestEngineFor(t, { version: '0.1.0-build' });
    const ctx = path.join(dir, 'ctx');
    await mkdir(path.join(ctx, 'sub'), { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM busybox AS base\nARG WHO=nobody\nCOPY sub/ /data/\nRUN echo "hello $WHO" > /greeting\nFROM base\nCMD ["cat", "/greeting", "/data/a.txt"]\n');
    await writeFile(path.join(ctx, 'sub', 'a.txt'), 'file a\n');
    await writeFile(path.join(ctx, 'sub', 'skip.log'), 'ignored\n');
    await writeFile(path.join(ctx, '.dockerignore'), '**/*.log\n');
    const cli = (args: string[]) => docker(socketPath, args, { timeoutMs: 180_000 });

    const first = await cli(['build', '-t', 'cli-built', '--build-arg', 'WHO=docker', ctx]);
    t.is(first.code, 0, first.stderr);
    t.regex(first.stdout, /Step 1\/6 : FROM busybox AS base\n(.*\n)* ---> [0-9a-f]{12}\nStep 2\/6 : ARG WHO=nobody\n ---> [0-9a-f]{12}\n/);
    t.regex(first.stdout, /Step 4\/6 : RUN echo "hello \$WHO" > \/greeting\n ---> Running in [0-9a-f]{12}\n ---> Removed intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/);
    t.regex(first.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged cli-built:latest\n/);
    const run = await cli(['run', '--rm', 'cli-built']);
    t.is(run.stdout, 'hello docker\nfile a\n', run.stderr);

    const again = await cli(['build', '-t', 'cli-built', '--build-arg', 'WHO=docker', ctx]);
    t.is(again.code, 0, again.stderr);
    t.is(again.stdout.match(/ ---> Using cache\n/g)?.length, 4);
    t.is(again.stdout.match(/Successfully built ([0-9a-f]{12})/)![1], first.stdout.match(/Successfully built ([0-9a-f]{12})/)![1]);

    const quiet = await cli(['build', '-q', '--build-arg', 'WHO=docker', ctx]);
    t.regex(quiet.stdout.trim(), /^sha256:[0-9a-f]{64}$/);

    await writeFile(path.join(ctx, 'Other.dockerfile'), 'FROM busybox\nRUN echo failing; exit 7\n');
    const failed = await cli(['build', '-f', path.join(ctx, 'Other.dockerfile'), '-t', 'never', ctx]);
    t.not(failed.code, 0);
    t.true(failed.stdout.includes('failing\n'));
    t.true(failed.stderr.includes("The command '/bin/sh -c echo failing; exit 7' returned a non-zero code: 7"), failed.stderr);
    const images = await cli(['images', '--format', '{{.Repository}}']);
    t.false(images.stdout.split('\n').includes('never'));

    await writeFile(path.join(ctx, 'Bad.dockerfile'), 'FROM busybox\nNOPE\n');
    const bad = await cli(['build', '-f', path.join(ctx, 'Bad.dockerfile'), ctx]);
    t.true(bad.stderr.includes('dockerfile parse error on line 2: unknown instruction: NOPE'), bad.stderr);
  });
});
