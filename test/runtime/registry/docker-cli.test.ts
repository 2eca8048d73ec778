/**
 * The stock docker CLI through our Engine API against a real registry with
 * Basic auth: `docker login`, `docker push`, `docker pull`, `docker run` of
 * the pulled image. Registered only when the CLI is installed (see
 * test/runtime/api/cli.ts and TSPAAS_REQUIRE_DOCKER_CLI).
 */
import test from 'ava';
import { serveTestEngineFor } from '../../helpers/engine-api.js';
import { startRegistry } from '../../helpers/registry.js';
import { docker, withDockerCli } from '../api/cli.js';
import { skopeoInspect } from './fixtures.js';

withDockerCli(() => {
  test('docker login, push, pull and run through the Engine API', async (t) => {
    const [{ te, socketPath }, reg] = await Promise.all([serveTestEngineFor(t, { version: '0.1.0-registry' }), startRegistry({ basic: { username: 'bob', password: 'pw' } })]);
    t.teardown(() => reg.stop());
    const cli = async (args: string[], input?: string) => {
      const r = await docker(socketPath, args, { input, timeoutMs: 120_000 });
      t.is(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    const ref = `${reg.host}/cli/busybox:1`;
    const bad = await docker(socketPath, ['login', reg.host, '-u', 'bob', '--password-stdin'], { input: 'nope\n' });
    t.not(bad.code, 0);
    t.regex(bad.stderr, /unauthorized|refused/);
    t.regex((await cli(['login', reg.host, '-u', 'bob', '--password-stdin'], 'pw\n')).stdout, /Login Succeeded/);

    await cli(['pull', 'busybox']);
    await cli(['tag', 'busybox', ref]);
    const pushed = await cli(['push', ref]);
    const digest = (await te.engine.images.get(ref)).manifestDigest;
    t.regex(pushed.stdout, new RegExp(`1: digest: ${digest} size: \\d+`));
    t.is((await skopeoInspect(ref, false, 'bob:pw')).Digest, digest);

    await cli(['rmi', ref]);
    const pulled = await cli(['pull', ref]);
    t.regex(pulled.stdout, new RegExp(`Digest: ${digest}`));
    t.regex(pulled.stdout, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${reg.host}/cli/busybox:1`));
    const run = await cli(['run', '--rm', ref, 'echo', 'from-the-registry']);
    t.is(run.stdout.trim(), 'from-the-registry');
    await cli(['logout', reg.host]);
  });
});

