/**
 * Push to a real docker-registry and read the result with skopeo and umoci:
 * the manifest digest is the store's, the unpacked files are the image's;
 * chunked uploads, skipped blobs and cross-repository mounts are seen in the
 * registry's own access log.
 */
import test from 'ava';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import tarStream from 'tar-stream';
import path from 'node:path';
import type { Progress } from '../../../runtime/types.js';
import { execFileP, skopeoInspect, startEnv, type Env } from './fixtures.js';

let env: Env;

test.after.always(() => env?.stop());
test.before(async () => {
  env = await startEnv();
  await env.engine.ensureImage('busybox');
});

function randomRootfs(): Readable {
  const pack = tarStream.pack();
  pack.entry({ name: 'data.bin', mode: 0o644 }, randomBytes(1 << 20));
  pack.finalize();
  return pack as unknown as Readable;
}

/** `find` listing (path, type, mode, size) plus checksums of regular files under `dir`. */
async function tree(dir: string): Promise<string> {
  const { stdout } = await execFileP('sh', ['-c', 'find . -mindepth 1 -printf "%p %y %m %s %l\\n" | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum'], { cwd: dir, maxBuffer: 64 << 20 });
  return stdout;
}

test.serial('push: skopeo inspects it with the store\'s manifest digest; skopeo copy + umoci unpack give the image\'s files', async (t) => {
  const ref = `${env.reg.host}/team/busybox:1.0`;
  await env.engine.images.tag('busybox:latest', ref);
  const progress: Progress[] = [];
  const { digest } = await env.engine.pushImage(ref, { onProgress: (p) => progress.push(p) });
  const image = await env.engine.images.get(ref);
  t.is(digest, image.manifestDigest);
  const inspected = await skopeoInspect(ref);
  t.is(inspected.Digest, digest);
  t.deepEqual(inspected.Layers, image.layers.map((l) => l.descriptor.digest));
  t.true(progress.some((p) => p.status === 'Pushed'));
  t.regex(progress.at(-1)!.status, new RegExp(`^1\\.0: digest: ${digest} size: \\d+$`));

  const work = await mkdtemp(path.join(env.dir, 'umoci-'));
  await execFileP('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${work}/layout:x`]);
  await execFileP('umoci', ['unpack', '--image', `${work}/layout:x`, `${work}/bundle`]);
  const ours = path.join(work, 'ours');
  await mkdir(ours);
  for (const [i, l] of image.layers.entries()) {
    const file = path.join(work, `layer-${i}`);
    await pipeline(env.engine.images.openLayer(l), createWriteStream(file));
    await execFileP('tar', ['-xf', file, '-C', ours, '--numeric-owner']); // GNU tar detects gzip by itself
  }
  t.is(await tree(path.join(work, 'bundle', 'rootfs')), await tree(ours));
});

test.serial('a second push skips every blob (HEAD); another repository mounts them', async (t) => {
  const ref = `${env.reg.host}/team/busybox:1.0`;
  await env.engine.images.tag('busybox:latest', ref);
  await env.engine.pushImage(ref);
  const again: Progress[] = [];
  await env.engine.pushImage(ref, { onProgress: (p) => again.push(p) });
  t.true(again.some((p) => p.status === 'Layer already exists'));
  t.false(again.some((p) => p.status === 'Pushed' || p.status === 'Pushing'));

  const other = `${env.reg.host}/elsewhere/bb:2`;
  await env.engine.images.tag('busybox:latest', other);
  const mounted: Progress[] = [];
  await env.engine.pushImage(other, { onProgress: (p) => mounted.push(p) });
  t.true(mounted.some((p) => p.status === 'Mounted from team/busybox'), JSON.stringify(mounted));
  const log = await env.reg.log();
  t.regex(log, /POST \/v2\/elsewhere\/bb\/blobs\/uploads\/\?(from=team%2Fbusybox&mount=sha256%3A|mount=sha256%3A[0-9a-f]+&from=team%2Fbusybox)[^"]*" 201/);
  t.is((await skopeoInspect(other)).Digest, (await env.engine.images.get(other)).manifestDigest);
});

test.serial('chunked upload (PATCH with Content-Range, then PUT) gives the same image back', async (t) => {
  const ref = `${env.reg.host}/chunked/busybox:1`;
  // blobs of their own: nothing to skip or mount
  const fresh = await env.engine.images.importRootfs(randomRootfs(), { tag: ref });
  const { digest } = await env.engine.pushImage(ref, { chunkSize: 64 * 1024 });
  const log = await env.reg.log();
  const patches = log.split('\n').filter((l) => /"PATCH \/v2\/chunked\/busybox\/blobs\/uploads\/[^"]+" 202/.test(l));
  const layerSize = (await env.engine.images.get(ref)).layers[0].descriptor.size;
  t.is(patches.length, Math.ceil(layerSize / (64 * 1024)));
  t.is((await skopeoInspect(ref)).Digest, digest);
  // pull it back into a clean name: same image
  await env.engine.removeImage(ref);
  const pulled = await env.engine.pullImage(ref);
  t.is(pulled.id, fresh.id);
});

test.serial('push of a name without a registry host fails naming Docker Hub; a digest reference is refused', async (t) => {
  const hub = await t.throwsAsync(env.engine.pushImage('busybox:latest'));
  t.regex(hub!.message, /registry docker\.io/);
  const byDigest = await t.throwsAsync(env.engine.pushImage(`${env.reg.host}/x/y@sha256:${'a'.repeat(64)}`));
  t.is((byDigest as { kind?: string }).kind, 'Invalid');
});
