/**
 * `--userns` for Docker users (issue 13, part 2), through the Engine API:
 * `HostConfig.UsernsMode` "auto" runs the container in its own user
 * namespace (podman's word; `tspaas container run --userns=auto`; the stock
 * docker CLI accepts only "host" itself), inspect reports it, "host" and "" keep the host's, anything
 * else is refused with 400 and a message.
 */
import test from 'ava';
import { run } from '../../../lib/exec.js';
import { demux } from './client.js';
import { docker, withDockerCli } from './cli.js';
import { serveTestEngineFor } from '../../helpers/engine-api.js';
import { programArgs } from '../../helpers/programs.js';

const start = (t: { teardown(fn: () => Promise<void>): void }) => serveTestEngineFor(t, { engine: { runtime: 'crun' }, version: '0.1.0-e2e', busybox: true });

test('dockerode: UsernsMode auto runs as a shifted root and inspect says so; host keeps host ids; a bad mode is a 400', async (t) => {
  const { client } = await start(t);
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'id -u; cat /proc/self/uid_map; stat -c %u /bin/busybox'], HostConfig: { UsernsMode: 'auto' } });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const waited = c.wait({ condition: 'next-exit' });
  await c.start();
  const out = await demux(stream);
  t.is((await waited).StatusCode, 0, out.stderr);
  const [uid, map, owner] = out.stdout.trim().split('\n');
  t.is(uid, '0');
  const [inside, host, size] = map.trim().split(/\s+/).map(Number);
  t.deepEqual([inside, size], [0, 65536]);
  t.true(host >= 100000);
  t.is(owner, '0');
  t.is((await c.inspect()).HostConfig.UsernsMode, 'auto');
  const plain = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { UsernsMode: 'host' } });
  t.is((await plain.inspect()).HostConfig.UsernsMode, 'host');
  const err = await t.throwsAsync(client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { UsernsMode: 'keep-id' } })) as { statusCode?: number; message: string };
  t.is(err.statusCode, 400);
  t.regex(err.message, /invalid UsernsMode "keep-id"/);
});

/** Our CLI against the socket: `tspaas -H unix://… <args>`. */
function tspaas(socketPath: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [...programArgs('cli/main'), '-H', `unix://${socketPath}`, ...args], { allowFailure: true });
}

test('tspaas CLI: container run --userns=auto', async (t) => {
  const { socketPath } = await start(t);
  const r = await tspaas(socketPath, ['container', 'run', '--rm', '--userns=auto', 'busybox', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
  t.is(r.code, 0, r.stderr);
  const [uid, map] = r.stdout.trim().split('\n');
  t.is(uid, '0');
  t.true(Number(map.trim().split(/\s+/)[1]) >= 100000);
});

// The stock docker CLI checks --userns itself and accepts only "host" (and ""): that much it can pass.
withDockerCli(() => {
  test('docker CLI: run --userns=host keeps the host\'s namespace', async (t) => {
    const { socketPath } = await start(t);
    const r = await docker(socketPath, ['run', '--rm', '--userns=host', 'busybox', 'cat', '/proc/self/uid_map']);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(r.stdout.trim().split(/\s+/).map(Number), [0, 0, 4294967295]);
  });
});
