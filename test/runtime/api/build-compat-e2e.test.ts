/**
 * POST /build as Docker's own clients use it (docker-py's api_build_test,
 * the docker CLI without DOCKER_BUILDKIT): stderr coloured, extrahosts,
 * networkmode (a user network's aliases; none), errorDetail.code, cachefrom;
 * and what builds and commits leave in the image store: Parent,
 * Container/ContainerConfig for API ≤ 1.44 clients, intermediate images that
 * `rmi` removes with the image. A real engine behind a real socket, driven by
 * dockerode and the stock docker CLI when installed.
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import Docker from 'dockerode';
import { buildDockerfile, serveTestEngineFor, type BuildMessage, type ServedEngine } from '../../helpers/engine-api.js';
import { docker, withDockerCli } from './cli.js';

delete process.env.DOCKER_BUILDKIT; // the CLI must pick the classic builder from /_ping's Builder-Version

type Message = BuildMessage;

/** POST /build through dockerode; every message of the reply. */
const build = (client: Docker, dockerfile: string, opts: Record<string, unknown> = {}) => buildDockerfile(client, dockerfile, opts as Docker.ImageBuildOptions);

const usingCache = (msgs: Message[]) => msgs.filter((m) => m.stream === ' ---> Using cache\n').length;

async function served(t: Parameters<typeof serveTestEngineFor>[0]): Promise<ServedEngine> {
  return serveTestEngineFor(t, { busybox: true, version: '0.1.0-build-compat' });
}

test('a step\'s stderr is coloured as the classic builder does; a failing step reports its exit code in errorDetail.code', async (t) => {
  const { client } = await served(t);
  const msgs = await build(client, 'FROM busybox\nRUN sh -c ">&2 echo \'to stderr\'"\n', { nocache: true });
  t.true(msgs.some((m) => m.stream === '\x1b[91mto stderr\n\x1b[0m'), JSON.stringify(msgs));
  const failed = await build(client, 'FROM busybox\nRUN exit 3\n', { t: 'never-made' });
  t.like(failed.at(-1), { errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" } });
  await t.throwsAsync(client.getImage('never-made').inspect(), { message: /404|no such image/i });
});

test('extrahosts reach the RUN steps\' /etc/hosts (docker-py test_build_with_extra_hosts); a bad one is refused', async (t) => {
  const { client } = await served(t);
  const msgs = await build(client, 'FROM busybox\nRUN ping -c1 hello.world.test\nRUN cp /etc/hosts /hosts-file\nCMD ["cat", "/hosts-file"]\n', {
    t: 'with-hosts', extrahosts: 'hello.world.test:127.0.0.1,other.test:127.0.0.2',
  });
  t.false(msgs.some((m) => m.errorDetail), JSON.stringify(msgs));
  const c = await client.createContainer({ Image: 'with-hosts' });
  await c.start();
  await c.wait();
  const logs = (await c.logs({ stdout: true })).toString();
  t.true(logs.includes('127.0.0.1\thello.world.test') && logs.includes('127.0.0.2\tother.test'), logs);
  await t.throwsAsync(build(client, 'FROM busybox\n', { extrahosts: 'nohost' }), { message: /invalid extra host/ });
});

test('networkmode: a user network\'s aliases resolve in RUN; "none" has no network and the build fails with the step\'s code', async (t) => {
  const { client } = await served(t);
  const network = await client.createNetwork({ Name: 'bc-net' });
  const target = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'] });
  await target.start();
  await network.connect({ Container: target.id, EndpointConfig: { Aliases: ['pingtarget.docker'] } });
  const ok = await build(client, 'FROM busybox\nRUN ping -c1 pingtarget.docker\n', { networkmode: network.id, t: 'bc-netbuild' });
  t.false(ok.some((m) => m.errorDetail), JSON.stringify(ok));
  const none = await build(client, 'FROM busybox\nRUN ping -c1 pingtarget.docker\n', { networkmode: 'none', nocache: true, t: 'bc-nonebuild' });
  t.is(none.at(-1)?.errorDetail?.code, 1, JSON.stringify(none.at(-1)));
  await t.throwsAsync(client.getImage('bc-nonebuild').inspect());
  await target.remove({ force: true });
});

test('cachefrom: cached steps are used only when one of the named images (or a parent) made them (docker-py test_build_with_cache_from)', async (t) => {
  const { client } = await served(t);
  const df = 'FROM busybox\nENV FOO=bar\nRUN touch baz\nRUN touch bax\n';
  await build(client, df, { t: 'cf-1' });
  t.is(usingCache(await build(client, df, { t: 'cf-2', cachefrom: JSON.stringify(['cf-1']) })), 3);
  await client.getImage('cf-2').remove();
  t.is(usingCache(await build(client, df, { t: 'cf-2', cachefrom: JSON.stringify(['nosuchtag']) })), 0);
  t.is(usingCache(await build(client, df, { t: 'cf-3' })), 3, 'without cachefrom, the local cache as before');
  await t.throwsAsync(build(client, df, { cachefrom: '{"not":"a list"}' }), { message: /cachefrom/ });
});

test('images: Parent and, for API ≤ 1.44, Container/ContainerConfig after commit and build; rmi takes the build\'s intermediate images along', async (t) => {
  const { socketPath, client } = await served(t);
  const old = new Docker({ socketPath, version: 'v1.41' });
  const busyboxId = (await client.getImage('busybox').inspect()).Id;
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['touch', '/test'] });
  await c.start();
  await c.wait();
  const committed = await c.commit({ changes: ['EXPOSE 8000', 'CMD ["bash"]'] }) as { Id: string };
  const img = await old.getImage(committed.Id).inspect() as unknown as Record<string, unknown> & { ContainerConfig: { Image: string; Cmd: string[] } };
  t.is(img.Parent, busyboxId);
  t.true(String(img.Container).startsWith(c.id));
  t.is(img.ContainerConfig.Image, 'busybox');
  t.deepEqual(img.ContainerConfig.Cmd, ['touch', '/test']);
  t.like(img.Config, { ExposedPorts: { '8000/tcp': {} }, Cmd: ['bash'] });
  t.true('ContainerConfig' in await client.getImage(committed.Id).inspect(), 'the engine speaks API 1.44 at most: always there');

  // docker-py commits right after starting a quick `touch`: the exit may come between the status check and the freeze.
  for (let i = 0; i < 5; i++) {
    const quick = await client.createContainer({ Image: 'busybox', Cmd: ['touch', '/test'] });
    await quick.start();
    t.regex((await quick.commit() as { Id: string }).Id, /^sha256:[0-9a-f]{64}$/);
    await quick.remove({ force: true });
  }
  await build(client, 'FROM busybox\nRUN touch /a\nVOLUME /data\nLABEL x=y\n', { t: 'chain' });
  // What docker-compose 1.29 reads on recreate: the built image's ContainerConfig.Volumes.
  t.deepEqual((await old.getImage('chain').inspect() as unknown as { ContainerConfig: { Volumes: object } }).ContainerConfig.Volumes, { '/data': {} });
  const all = async () => (await client.listImages({ all: true })).map((i) => i.Id);
  const before = await all();
  const top = await client.getImage('chain').inspect();
  const steps: string[] = [];
  for (let id = top.Parent; id && id !== busyboxId; id = (await client.getImage(id).inspect()).Parent) steps.push(id);
  t.is(steps.length, 2, 'two intermediate images under the last step');
  t.true(steps.every((id) => before.includes(id)));
  t.false((await client.listImages()).some((i) => steps.includes(i.Id)), 'image ls without -a hides intermediate images');
  const removed = await client.getImage('chain').remove() as Array<{ Deleted?: string; Untagged?: string }>;
  t.deepEqual(removed.flatMap((r) => r.Deleted ?? []), [top.Id, ...steps]);
  t.false((await all()).some((id) => [top.Id, ...steps].includes(id)));
  t.truthy(await client.getImage('busybox').inspect(), 'a tagged parent stays');
  await c.remove();
});

test('WORKDIR takes the rest of the line as one path, spaces included; --target stops before a later stage (docker-py test_build_container_with_target)', async (t) => {
  const { client } = await served(t);
  // docker-py's Dockerfile joins two lines by mistake: "WORKDIR /root/COPY --from=first …" is one path to Docker.
  const df = 'FROM busybox as first\nRUN mkdir -p /tmp/test\nFROM busybox\nWORKDIR /root/COPY --from=first /tmp/x .\nONBUILD RUN echo no\n';
  const msgs = await build(client, df, { t: 'bc-first', target: 'first' });
  t.false(msgs.some((m) => m.errorDetail), JSON.stringify(msgs));
  t.falsy((await client.getImage('bc-first').inspect()).Config.OnBuild);
  const spaced = await build(client, 'FROM busybox\nWORKDIR /my dir/sub dir\nRUN pwd > here\nCMD ["cat", "here"]\n', { t: 'bc-spaced' });
  t.false(spaced.some((m) => m.errorDetail), JSON.stringify(spaced));
  t.is((await client.getImage('bc-spaced').inspect()).Config.WorkingDir, '/my dir/sub dir');
  const c = await client.createContainer({ Image: 'bc-spaced' });
  await c.start();
  await c.wait();
  t.is((await c.logs({ stdout: true })).toString().replace(/^[\s\S]{8}/, ''), '/my dir/sub dir\n');
});

test('/_ping tells the CLI to use the classic builder (Builder-Version: 1)', async (t) => {
  const { socketPath } = await served(t);
  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    request({ socketPath, path: '/_ping' }, (r) => { r.resume(); resolve(r.headers); }).on('error', reject).end();
  });
  t.is(headers['builder-version'], '1');
});

withDockerCli(() => {
  test('docker CLI: a plain `docker build` (no DOCKER_BUILDKIT) uses the classic builder: --add-host, --network, --cache-from', async (t) => {
    t.timeout(5 * 60_000);
    const { dir, socketPath } = await served(t);
    const ctx = path.join(dir, 'ctx');
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN grep -q "10.9.8.7\tdb.test" /etc/hosts\nRUN echo built > /built\n');
    const cli = (args: string[]) => docker(socketPath, args, { timeoutMs: 180_000 });
    const first = await cli(['build', '--add-host', 'db.test:10.9.8.7', '-t', 'cli-compat', ctx]);
    t.is(first.code, 0, first.stderr);
    t.regex(first.stdout, /Successfully tagged cli-compat:latest/);
    const cached = await cli(['build', '--add-host', 'db.test:10.9.8.7', '--cache-from', 'cli-compat', '-t', 'cli-compat2', ctx]);
    t.is(cached.stdout.match(/ ---> Using cache/g)?.length, 2, cached.stdout);
    const offline = await cli(['build', '--network', 'none', '--no-cache', ctx]);
    t.not(offline.code, 0, 'the hosts entry is missing without --add-host');
    t.is((await cli(['run', '--rm', 'cli-compat', 'cat', '/built'])).stdout, 'built\n');
  });
});
