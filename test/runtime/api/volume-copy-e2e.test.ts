/**
 * Docker's copy-up through the Engine API: a volume that is empty at the
 * start gets the image's content at its path (files, owners, modes, the
 * directory's own mode) — a named volume made beforehand (as docker-compose
 * makes them), an anonymous one, one in a user namespace; a volume with data
 * keeps its data; `nocopy` leaves it empty. Hostile images: a volume path
 * that is a symlink out of the rootfs copies the image's files, never the
 * host's. A real engine behind a real socket, driven by dockerode.
 */
import test from 'ava';
import type Docker from 'dockerode';
import { buildDockerfile, serveTestEngineFor, type ServedEngine } from '../../helpers/engine-api.js';
import { demux } from './client.js';

const IMAGE = [
  'FROM busybox',
  'RUN mkdir -p /data/sub && echo from-the-image > /data/sub/f && chown 1234:1234 /data/sub/f && chmod 0750 /data && ln -s sub/f /data/link',
  // Hostile: the volume path is a symlink out of the rootfs; the host's /etc has files busybox's lacks.
  'RUN ln -s ../../../../../../etc /escape',
].join('\n');

async function served(t: Parameters<typeof serveTestEngineFor>[0], opts: { runtime?: 'crun' } = {}): Promise<ServedEngine> {
  const s = await serveTestEngineFor(t, { busybox: true, ...(opts.runtime ? { engine: { runtime: opts.runtime } } : {}) });
  const failed = (await buildDockerfile(s.client, IMAGE, { t: 'copyup' })).find((m) => m.error);
  if (failed) throw new Error(`build failed: ${failed.error}`);
  return s;
}

/** Run `cmd` in a new container of `copyup` to its end; its output. */
async function runIn(client: Docker, cmd: string, hostConfig: Docker.HostConfig = {}, extra: Partial<Docker.ContainerCreateOptions> = {}): Promise<string> {
  const c = await client.createContainer({ Image: 'copyup', Cmd: ['sh', '-c', cmd], HostConfig: hostConfig, ...extra });
  await c.start();
  await c.wait();
  const out = await demux(await c.logs({ stdout: true, stderr: true, follow: false }) as unknown as NodeJS.ReadableStream).catch(() => ({ stdout: '', stderr: '' }));
  await c.remove();
  return out.stdout + out.stderr;
}

const LIST = 'cat /data/sub/f; stat -c "%u %a" /data/sub/f /data; readlink /data/link; ls -A /data';

test('a named volume made beforehand (as docker-compose makes them) gets the image\'s content at its first start, and keeps its own after', async (t) => {
  const { client } = await served(t);
  await client.createVolume({ Name: 'html' });
  t.is(await runIn(client, `${LIST}; rm /data/sub/f; echo mine > /data/new`, { Binds: ['html:/data'] }),
    'from-the-image\n1234 644\n0 750\nsub/f\nlink\nsub\n');
  // Not empty any more: nothing is copied again; what the last container did stays.
  t.is(await runIn(client, 'ls -A /data /data/sub; cat /data/new', { Binds: ['html:/data'] }), '/data:\nlink\nnew\nsub\n\n/data/sub:\nmine\n');
});

test('an anonymous volume (an image VOLUME or -v /path) and a Mounts volume get it too; nocopy and NoCopy leave the volume empty', async (t) => {
  const { client } = await served(t);
  t.is(await runIn(client, LIST, {}, { Volumes: { '/data': {} } }), 'from-the-image\n1234 644\n0 750\nsub/f\nlink\nsub\n');
  t.regex(await runIn(client, 'cat /data/sub/f', { Mounts: [{ Type: 'volume', Source: 'by-mounts', Target: '/data' }] }), /^from-the-image$/m);
  t.is(await runIn(client, 'ls -A /data', { Binds: ['empty1:/data:nocopy'] }), '');
  t.is(await runIn(client, 'ls -A /data', { Mounts: [{ Type: 'volume', Source: 'empty2', Target: '/data', VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'] }] }), '');
});

test('hostile: a volume on a path that is a symlink out of the rootfs gets the image\'s /etc, never the host\'s', async (t) => {
  const { client } = await served(t);
  // Debian's /etc has debian_version and os-release; busybox's /etc has neither (and has the image's own passwd).
  const out = await runIn(client, 'ls -A /escape; echo; cat /escape/passwd | head -1', { Binds: ['escape:/escape'] });
  t.notRegex(out, /debian_version|os-release|apt/);
  t.regex(out, /^root:x:0:0:/m);
});

test('in a user namespace (--userns=auto) the copy keeps the owners as the container sees them', async (t) => {
  const { client } = await served(t, { runtime: 'crun' });
  t.is(await runIn(client, 'stat -c "%u %a" /data/sub/f /data; id -u', { Binds: ['shifted:/data'], UsernsMode: 'auto' }), '1234 644\n0 750\n0\n');
});
