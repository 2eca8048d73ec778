/**
 * `--storage-opt size` and bounded volumes through the Engine API (issue 13,
 * part 5): dockerode's HostConfig.StorageOpt and DriverOpts, and the stock
 * docker CLI's `run --storage-opt` / `volume create --opt o=size=` (Podman's
 * volume quota option), against a real engine on the tests' quota filesystem.
 */
import test from 'ava';
import { docker, withDockerCli } from './cli.js';
import { serveTestEngineFor } from '../../helpers/engine-api.js';

const FULL = /No space left on device|Disk quota exceeded/;

const start = (t: { teardown(fn: () => Promise<void>): void }) => serveTestEngineFor(t, { version: '0.1.0-e2e', busybox: true });

test('HostConfig.StorageOpt is kept and shown back by inspect; a bad size is a 400 with the reason', async (t) => {
  const { client } = await start(t);
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { StorageOpt: { size: '20M' } } });
  t.deepEqual((await c.inspect()).HostConfig.StorageOpt, { size: '20M' });
  const plain = await client.createContainer({ Image: 'busybox', Cmd: ['true'] });
  t.is((await plain.inspect()).HostConfig.StorageOpt as unknown, null);
  const err = await t.throwsAsync(client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { StorageOpt: { size: 'abc' } } })) as Error & { statusCode?: number };
  t.is(err.statusCode, 400);
  t.regex(err.message, /invalid --storage-opt size "abc"/);
  const info = await client.info() as { DriverStatus: string[][]; Warnings: string[] | null };
  t.notDeepEqual(info.DriverStatus, [['Quota', 'none']]);
  t.is(info.Warnings, null);
});

test('a volume created with DriverOpts o=size= shows its options', async (t) => {
  const { client } = await start(t);
  await client.createVolume({ Name: 'capped', DriverOpts: { o: 'size=16M' } });
  t.deepEqual((await client.getVolume('capped').inspect()).Options, { o: 'size=16M' });
  const err = await t.throwsAsync(client.createVolume({ Name: 'nfs', DriverOpts: { type: 'nfs' } })) as Error & { statusCode?: number };
  t.is(err.statusCode, 400);
});

withDockerCli(() => {
  test('docker run --storage-opt size=16M: a write past it fails inside; docker volume create --opt o=size=16M bounds the volume', async (t) => {
    const { socketPath } = await start(t);
    const run = await docker(socketPath, ['run', '--rm', '--storage-opt', 'size=16M', 'busybox', 'dd', 'if=/dev/zero', 'of=/big', 'bs=1M', 'count=64']);
    t.not(run.code, 0);
    t.regex(run.stderr, FULL);
    t.is((await docker(socketPath, ['volume', 'create', '--opt', 'o=size=16M', 'capped'])).code, 0);
    const vol = await docker(socketPath, ['run', '--rm', '-v', 'capped:/data', 'busybox', 'dd', 'if=/dev/zero', 'of=/data/big', 'bs=1M', 'count=64']);
    t.not(vol.code, 0);
    t.regex(vol.stderr, FULL);
    const bad = await docker(socketPath, ['run', '--rm', '--storage-opt', 'size=abc', 'busybox', 'true']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /invalid --storage-opt size "abc"/);
  });
});
