/**
 * Pull from a real docker-registry: images skopeo pushed (OCI and Docker
 * schema 2 manifests, gzip and zstd layers), by tag and by digest, an image
 * index, and a corrupted blob that must leave the store unchanged.
 */
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Progress } from '../../../runtime/types.js';
import { runToEnd } from '../../helpers/engine.js';
import { build } from '../build/helpers.js';
import { saveLayout, skopeoInspect, skopeoPush, startEnv, storeBlobs, type Env } from './fixtures.js';

let env: Env;
let layout: string;

test.after.always(() => env?.stop());
test.before(async () => {
  env = await startEnv();
  await env.engine.ensureImage('busybox');
  layout = await saveLayout(env.engine, 'busybox:latest', env.dir);
});

const busyboxId = async () => (await env.engine.images.get('busybox:latest')).id;

for (const [title, args] of [['OCI manifest, gzip', []], ['Docker schema 2, gzip', ['--format', 'v2s2']], ['OCI manifest, zstd', ['--dest-compress-format', 'zstd']]] as const) {
  test.serial(`an image skopeo pushed (${title}) is pulled, keeps its ID, and runs`, async (t) => {
    const ref = `${env.reg.host}/sk/${title.replace(/\W+/g, '-').toLowerCase()}:1`;
    await skopeoPush(layout, ref, [...args]);
    const progress: Progress[] = [];
    const image = await env.engine.pullImage(ref, { onProgress: (p) => progress.push(p) });
    t.is(image.id, await busyboxId(), 'the config bytes are kept, so the ID is the same');
    t.deepEqual(image.repoTags, [ref]);
    const statuses = progress.map((p) => p.status);
    for (const s of ['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Pull complete']) t.true(statuses.includes(s), s);
    const digest = (await skopeoInspect(ref)).Digest as string;
    t.true(statuses.includes(`Digest: ${digest}`));
    t.true(progress.some((p) => p.status === 'Downloading' && p.total !== undefined && p.current === p.total));
    const run = await runToEnd(env.engine, { image: ref, cmd: ['sh', '-c', 'echo pulled-$((6*7))'] });
    t.is(run.exitCode, 0, run.stderr);
    t.is(run.stdout.trim(), 'pulled-42');
    await env.engine.removeContainer(run.id, { force: true });
    await env.engine.removeImage(ref);
  });
}

test.serial('by digest: pulled untagged; pulling again downloads nothing', async (t) => {
  const ref = `${env.reg.host}/sk/bydigest:1`;
  await skopeoPush(layout, ref);
  const digest = (await skopeoInspect(ref)).Digest as string;
  const first = await env.engine.pullImage(`${env.reg.host}/sk/bydigest@${digest}`);
  t.deepEqual(first.repoTags.filter((r) => r.includes('bydigest')), []);
  const progress: Progress[] = [];
  await env.engine.pullImage(ref, { onProgress: (p) => progress.push(p) });
  t.false(progress.some((p) => p.status === 'Downloading'));
  t.true(progress.some((p) => p.status === 'Already exists'));
});

test.serial('an image index resolves to linux/amd64', async (t) => {
  const amd = `${env.reg.host}/sk/multi:amd`;
  await skopeoPush(layout, amd);
  // a second, different image stands for the arm64 entry
  const other = await env.engine.images.importRootfs((await env.engine.images.openLayer((await env.engine.images.get('busybox')).layers[0])), { changes: { Labels: { arch: 'not-this-one' } } });
  await env.engine.images.tag(other.id, 'other:arm');
  await skopeoPush(await saveLayout(env.engine, 'other:arm', env.dir), `${env.reg.host}/sk/multi:arm`);
  const [a, b] = await Promise.all([skopeoInspect(amd, true), skopeoInspect(`${env.reg.host}/sk/multi:arm`, true)]);
  const desc = (m: Record<string, unknown>, arch: string) => {
    const bytes = Buffer.from(JSON.stringify(m));
    return { mediaType: m.mediaType, size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, platform: { os: 'linux', architecture: arch } };
  };
  // re-put both manifests with the exact bytes we hash, then the index that names them
  for (const [m, tag] of [[a, 'amd'], [b, 'arm']] as const) await put(`/v2/sk/multi/manifests/${tag}`, String(m.mediaType), Buffer.from(JSON.stringify(m)));
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [desc(b, 'arm64'), desc(a, 'amd64')] };
  await put('/v2/sk/multi/manifests/both', index.mediaType, Buffer.from(JSON.stringify(index)));
  const image = await env.engine.pullImage(`${env.reg.host}/sk/multi:both`);
  t.is(image.id, await busyboxId());
});

test.serial('a corrupted blob fails with a digest error and the store is unchanged', async (t) => {
  const ref = `${env.reg.host}/sk/corrupt:1`;
  // an image of its own, so that its layer is not in the store already
  await env.engine.images.importRootfs(randomRootfs(), { tag: 'corrupt:1' });
  await skopeoPush(await saveLayout(env.engine, 'corrupt:1', env.dir), ref);
  await env.engine.removeImage('corrupt:1');
  const manifest = await skopeoInspect(ref, true) as { layers: Array<{ digest: string }> };
  const hex = manifest.layers[0].digest.slice('sha256:'.length);
  const file = path.join(env.reg.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  const fh = await open(file, 'r+');
  const size = (await fh.stat()).size;
  const junk = Buffer.from('tspaas');
  await fh.write(junk, 0, junk.length, Math.floor(size / 2));
  await fh.close();
  const before = { images: await env.engine.images.list(), blobs: await storeBlobs(env.te), tmp: await readdir(path.join(env.te.config.root, 'images', 'tmp')) };
  const err = await t.throwsAsync(env.engine.pullImage(ref));
  t.regex(err!.message, /digest mismatch/);
  t.is((err as { kind?: string }).kind, 'Invalid');
  t.deepEqual(await env.engine.images.list(), before.images);
  t.deepEqual(await storeBlobs(env.te), before.blobs);
  t.deepEqual(await readdir(path.join(env.te.config.root, 'images', 'tmp')), before.tmp);
  t.false((await readFile(file)).equals(Buffer.alloc(0)));
});

test.serial('a name without a registry host fails naming Docker Hub and how to configure a mirror (also as a build FROM); an unknown repository is NotFound', async (t) => {
  const hub = await t.throwsAsync(env.engine.pullImage('alpine:3'));
  t.is((hub as { kind?: string }).kind, 'Unavailable');
  const expected = 'cannot reach registry docker.io for "alpine:3" (docker.io/library/alpine:3): this engine has no access to Docker Hub; '
    + 'configure a registry mirror that serves Docker Hub\'s images (tspaasd --registry-mirror URL, or TSPAAS_REGISTRY_MIRRORS) or name an image on a registry you run, e.g. 127.0.0.1:5000/alpine';
  t.is(hub!.message, expected);
  const built = await build(env.engine, { Dockerfile: 'FROM alpine:3\nRUN true\n' });
  t.is(built.error?.message, expected);
  const push = await t.throwsAsync(env.engine.pushImage('busybox:latest'));
  t.notRegex(push!.message, /mirror/, 'mirrors serve pulls only');
  const missing = await t.throwsAsync(env.engine.pullImage(`${env.reg.host}/nothing/here:1`));
  t.is((missing as { kind?: string }).kind, 'NotFound');
});

function randomRootfs(): Readable {
  const pack = tarStream.pack();
  pack.entry({ name: 'data.bin', mode: 0o644 }, randomBytes(1 << 20));
  pack.finalize();
  return pack as unknown as Readable;
}

function put(urlPath: string, contentType: string, body: Buffer): Promise<void> {
  const [host, port] = env.reg.host.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: urlPath, method: 'PUT', headers: { 'Content-Type': contentType, 'Content-Length': body.length } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${urlPath}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
