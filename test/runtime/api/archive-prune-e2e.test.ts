/**
 * `docker cp` through a container's volumes (docker-py's ArchiveTest: the
 * files live in an anonymous volume, also before the first start and after
 * the exit), a volume driver nobody provides (404), and container prune with
 * Docker's filters and the space it reclaims (docker-py's
 * test_prune_containers). A real engine behind a real socket, driven by
 * dockerode and the stock docker CLI when installed.
 */
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tarStream from 'tar-stream';
import { buildDockerfile, serveTestEngineFor } from '../../helpers/engine-api.js';
import { docker, withDockerCli } from './cli.js';

function tarOf(files: Record<string, string>): Readable {
  const pack = tarStream.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return pack as unknown as Readable;
}

/** The entries (name → content) of a tar stream. */
async function untar(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tarStream.extract();
  extract.on('entry', (h, s, next) => {
    let body = '';
    s.on('data', (d: unknown) => { body += String(d); }).on('end', () => { out[h.name] = body; next(); });
  });
  await new Promise<void>((resolve, reject) => { extract.on('finish', () => resolve()).on('error', reject); stream.pipe(extract); });
  return out;
}

async function runToExit(c: Docker.Container): Promise<void> {
  await c.start();
  await c.wait();
}

test('docker cp into and out of an anonymous volume: before the first start, after the exit; stat; read-only mounts refused', async (t) => {
  const { client, socketPath } = await serveTestEngineFor(t, { busybox: true });
  const reader = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'cat /vol1/in.txt; ls -p /vol1'], Volumes: { '/vol1': {} } });
  await reader.putArchive(tarOf({ 'in.txt': 'Deaf To All But The Song\n', 'foo/b.py': 'x' }), { path: '/vol1' });
  await runToExit(reader);
  const logs = (await reader.logs({ stdout: true })).toString();
  t.true(logs.includes('Deaf To All But The Song') && logs.includes('foo/'), logs);

  const writer = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo -n The Maid > /vol1/data.txt'], Volumes: { '/vol1': {} } });
  await runToExit(writer);
  t.deepEqual(await untar(await writer.getArchive({ path: '/vol1/data.txt' })), { 'data.txt': 'The Maid' });
  const header = await new Promise<string>((resolve, reject) => {
    request({ socketPath, method: 'HEAD', path: `/containers/${writer.id}/archive?path=${encodeURIComponent('/vol1/data.txt')}` }, (r) => {
      r.resume();
      resolve(String(r.headers['x-docker-container-path-stat']));
    }).on('error', reject).end();
  });
  const stat = JSON.parse(Buffer.from(header, 'base64').toString());
  t.like(stat, { name: 'data.txt', size: 8 });
  // A path that climbs out of the volume stays inside it (Docker's FollowSymlinkInScope cases): no host file is read.
  const escape = await client.createContainer({ Image: 'busybox', Cmd: ['ln', '-s', '/../../../../../../etc', '/vol1/up'], Volumes: { '/vol1': {} } });
  await runToExit(escape);
  await t.throwsAsync(escape.getArchive({ path: '/vol1/up/hostname' }), { message: /404|Could not find/ });

  const ro = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${os.tmpdir()}:/ro:ro`] } });
  await t.throwsAsync(ro.putArchive(tarOf({ 'x.txt': 'x' }), { path: '/ro' }), { message: /read-only/ });
  for (const c of [reader, writer, escape, ro]) await c.remove({ v: true });
});

test('volume create with a driver nobody provides is 404 (docker-py test_create_volume_invalid_driver)', async (t) => {
  const { client } = await serveTestEngineFor(t);
  const err = await t.throwsAsync(client.createVolume({ Name: 'perfectcherryblossom', Driver: 'invalid.driver' })) as Error & { statusCode?: number };
  t.is(err?.statusCode, 404);
  t.regex(err?.message ?? '', /plugin "invalid\.driver" not found/);
  t.deepEqual((await client.listVolumes()).Volumes ?? [], []);
});

test('container prune: stopped containers only, Docker\'s until/label/label! filters, and the bytes their writable layers held', async (t) => {
  const { client } = await serveTestEngineFor(t, { busybox: true });
  const writer = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'head -c 5000 /dev/zero > /data.bin'], Labels: { keep: 'no' } });
  const kept = await client.createContainer({ Image: 'busybox', Cmd: ['true'], Labels: { keep: 'yes' } });
  const running = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'] });
  await runToExit(writer);
  await runToExit(kept);
  await running.start();
  t.deepEqual(await client.pruneContainers({ filters: { until: ['1h'] } }), { ContainersDeleted: [], SpaceReclaimed: 0 }, 'all made within the hour');
  const pruned = await client.pruneContainers({ filters: { 'label!': ['keep=yes'] } }) as { ContainersDeleted: string[]; SpaceReclaimed: number };
  t.deepEqual(pruned.ContainersDeleted, [writer.id]);
  t.true(pruned.SpaceReclaimed >= 5000, String(pruned.SpaceReclaimed));
  t.deepEqual((await client.pruneContainers({ filters: { label: ['keep'] } }) as { ContainersDeleted: string[] }).ContainersDeleted, [kept.id]);
  await t.throwsAsync(client.pruneContainers({ filters: { nope: ['x'] } }), { message: /invalid filter 'nope'|nope/ });
  t.is((await running.inspect()).State.Running, true);
  await running.remove({ force: true });
});

test('volume prune keeps named volumes (the data loss of issue 16): only unused anonymous ones go, named ones with all=true, label filters apply', async (t) => {
  const { client } = await serveTestEngineFor(t, { busybox: true });
  await client.createVolume({ Name: 'keepme', Labels: { team: 'a' } });
  await client.createVolume({ Name: 'other', Labels: { team: 'b' } });
  // An anonymous volume left by a container that is gone (created with rm -v off), and one still used.
  const leaver = await client.createContainer({ Image: 'busybox', Cmd: ['true'], Volumes: { '/data': {} } });
  await leaver.start();
  await leaver.wait();
  const anonymous = (await leaver.inspect()).Mounts.find((m) => m.Destination === '/data')!.Name!;
  await leaver.remove();
  const user = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '60'], Volumes: { '/kept': {} } });
  await user.start();
  t.teardown(() => user.remove({ force: true }).catch(() => undefined));
  const used = (await user.inspect()).Mounts.find((m) => m.Destination === '/kept')!.Name!;
  const names = async () => ((await client.listVolumes()).Volumes ?? []).map((v) => v.Name).sort();
  t.true((await names()).includes(anonymous), 'the gone container\'s anonymous volume is there');

  const first = await client.pruneVolumes();
  t.deepEqual(first.VolumesDeleted, [anonymous]);
  t.deepEqual(await names(), ['keepme', 'other', used].sort(), 'named volumes and the one in use stay');

  const labelled = await client.pruneVolumes({ filters: { all: ['true'], label: ['team=b'] } });
  t.deepEqual(labelled.VolumesDeleted, ['other']);
  const notLabelled = await client.pruneVolumes({ filters: { all: ['true'], 'label!': ['team=a'] } });
  t.deepEqual(notLabelled.VolumesDeleted, [], 'keepme has team=a; the used one is in use');
  const all = await client.pruneVolumes({ filters: { all: ['1'] } });
  t.deepEqual(all.VolumesDeleted, ['keepme']);
  t.deepEqual(await names(), [used]);
  const bad = await t.throwsAsync(client.pruneVolumes({ filters: { dangling: ['true'] } })) as { statusCode?: number };
  t.is(bad.statusCode, 400);
});

test('image prune filters (docker-py test_prune_images, docker image prune --filter): dangling, until, label, label!; unknown filters are refused', async (t) => {
  const { client } = await serveTestEngineFor(t, { busybox: true });
  const built = async (tag: string, team: string) => {
    const msgs = await buildDockerfile(client, `FROM busybox\nLABEL team=${team}\n`, { t: tag });
    return msgs.find((m) => m.aux)!.aux!.ID;
  };
  const a = await built('prune-a', 'a');
  const b = await built('prune-b', 'b');
  const ids = async () => (await client.listImages()).map((i) => i.Id);
  const busybox = (await client.getImage('busybox').inspect()).Id;

  // Tagged images are not dangling: the default prune keeps them all.
  t.deepEqual((await client.pruneImages()).ImagesDeleted ?? [], []);
  // ImagesDeleted names the image first, then the blobs that went with it (as dockerd lists the layers it removed).
  const deletedIds = (r: Docker.PruneImagesInfo) => (r.ImagesDeleted ?? []).map((d) => d.Deleted).filter((d) => [a, b, busybox].includes(d!));
  t.deepEqual(deletedIds(await client.pruneImages({ filters: { dangling: ['false'], label: ['team=b'] } })), [b]);
  // Both filters hold only for a: "team" set, but not to a.
  t.deepEqual((await client.pruneImages({ filters: { dangling: ['false'], label: ['team'], 'label!': ['team=a'] } })).ImagesDeleted ?? [], []);
  // until: images created before the time; a was made just now, so an hour ago keeps it, a minute ahead takes it.
  t.deepEqual((await client.pruneImages({ filters: { dangling: ['false'], label: ['team'], until: ['1h'] } })).ImagesDeleted ?? [], []);
  const ahead = String(Math.floor(Date.now() / 1000) + 60);
  t.deepEqual(deletedIds(await client.pruneImages({ filters: { dangling: ['false'], label: ['team'], until: [ahead] } })), [a]);
  t.deepEqual(await ids(), [busybox], 'busybox has no team label: no filter above matched it');

  for (const filters of [{ reference: ['busybox'] }, { until: ['1h', '2h'] }, { dangling: ['maybe'] }, { until: ['soon'] }]) {
    const err = await t.throwsAsync(client.pruneImages({ filters })) as { statusCode?: number };
    t.is(err.statusCode, 400, JSON.stringify(filters));
  }
  t.deepEqual(await ids(), [busybox], 'a refused prune removes nothing');
});

test('network prune filters (docker network prune --filter): until, label, label!; networks in use stay', async (t) => {
  const { client } = await serveTestEngineFor(t, { busybox: true });
  await client.createNetwork({ Name: 'np-a', Labels: { team: 'a' } });
  await client.createNetwork({ Name: 'np-b', Labels: { team: 'b' } });
  await client.createNetwork({ Name: 'np-plain' });
  const names = async () => (await client.listNetworks()).map((n) => n.Name).filter((n) => n.startsWith('np-')).sort();
  const deleted = (r: unknown) => ((r as { NetworksDeleted?: string[] }).NetworksDeleted ?? []).sort();

  t.deepEqual(deleted(await client.pruneNetworks({ filters: { label: ['team=b'] } })), ['np-b']);
  t.deepEqual(deleted(await client.pruneNetworks({ filters: { until: ['1h'] } })), [], 'all made just now');
  t.deepEqual(deleted(await client.pruneNetworks({ filters: { 'label!': ['team'] } })), ['np-plain']);
  t.deepEqual(await names(), ['np-a']);
  const err = await t.throwsAsync(client.pruneNetworks({ filters: { dangling: ['true'] } })) as { statusCode?: number };
  t.is(err.statusCode, 400);
  t.deepEqual(deleted(await client.pruneNetworks({ filters: { until: [String(Math.floor(Date.now() / 1000) + 60)] } })), ['np-a']);
});

withDockerCli(() => {
  test('docker CLI: cp to and from a stopped container\'s volume; container prune -f --filter label=…', async (t) => {
    const { socketPath } = await serveTestEngineFor(t, { busybox: true });
    const cli = (args: string[]) => docker(socketPath, args);
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'tsp-cp-'));
    t.teardown(() => rm(tmp, { recursive: true, force: true }));
    await writeFile(path.join(tmp, 'in.txt'), 'to the volume\n');
    t.is((await cli(['create', '--name', 'cp-vol', '-v', '/data', '--label', 'gone=1', 'busybox', 'cat', '/data/in.txt'])).code, 0);
    t.is((await cli(['cp', path.join(tmp, 'in.txt'), 'cp-vol:/data/'])).code, 0);
    t.is((await cli(['start', '-a', 'cp-vol'])).stdout, 'to the volume\n');
    const out = await cli(['cp', 'cp-vol:/data/in.txt', path.join(tmp, 'back.txt')]);
    t.is(out.code, 0, out.stderr);
    t.is(await readFile(path.join(tmp, 'back.txt'), 'utf8'), 'to the volume\n');
    const pruned = await cli(['container', 'prune', '-f', '--filter', 'label=gone=1']);
    t.regex(pruned.stdout, /Deleted Containers:\n[0-9a-f]{64}/);
    t.not((await cli(['inspect', 'cp-vol'])).code, 0);
  });
});
