/**
 * Issue 16: `docker update`, kill semantics, resource options and one-shot
 * stats, end to end: a real engine (conmon, crun/runc, real cgroups) behind
 * a real socket, driven by dockerode and by the stock docker CLI. Limits are
 * read back from the container's cgroup files, not only from inspect. The
 * cases are docker-py's (tests/integration/api_container_test.py:
 * ContainerUpdateTest, KillTest, CreateContainerTest memory/restart policy,
 * ContainerCPUTest, GetContainerStatsTest) plus Docker's refusals.
 */
import test, { type ExecutionContext } from 'ava';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { detectCgroups } from '../../../runtime/containers/cgroups.js';
import { serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';
import { docker, withDockerCli, type CliResult } from './cli.js';

const M = 1024 * 1024;
let served: ServedEngine;
let client: Docker;

test.before(async () => {
  served = await serveTestEngine({ version: '0.1.0-e2e', busybox: true, quiet: true });
  client = served.client;
});
test.after.always(() => served?.close());

/** A started busybox container that sleeps, with this HostConfig. */
async function sleeper(hostConfig: Docker.HostConfig = {}, cmd = ['sleep', '300']): Promise<Docker.Container> {
  const c = await client.createContainer({ Image: 'busybox', Cmd: cmd, HostConfig: { NetworkMode: 'none', ...hostConfig } });
  await c.start();
  return c;
}

/** A file of the container's cgroup: the v1 controller's, or the unified one's on v2. */
async function cgroupFile(id: string, controller: string, v1File: string, v2File: string): Promise<string> {
  const layout = await detectCgroups();
  const dir = layout.mode === 'v2' ? layout.unified! : layout.v1[controller];
  const cgroup = path.join(dir, served.te.config.cgroupParent, id);
  return (await readFile(path.join(cgroup, layout.mode === 'v2' ? v2File : v1File), 'utf8')).trim();
}

const memoryLimit = (id: string) => cgroupFile(id, 'memory', 'memory.limit_in_bytes', 'memory.max').then(Number);
const pidsMax = (id: string) => cgroupFile(id, 'pids', 'pids.max', 'pids.max');

/** The OCI runtimes the engine has (`docker info`'s Runtimes). */
async function runtimes(): Promise<string[]> {
  return Object.keys((await client.info() as { Runtimes: Record<string, unknown> }).Runtimes);
}

/** The status and message of a refused API call. */
async function refused(t: ExecutionContext, call: Promise<unknown>): Promise<{ status: number; message: string }> {
  const err = await t.throwsAsync(call) as Error & { statusCode?: number; json?: { message?: string } };
  return { status: err?.statusCode ?? 0, message: err?.json?.message ?? String(err) };
}

test('update on a running container, under each runtime: memory, pids, CPU shares and cpuset change in its cgroup at once, inspect shows them, a restart keeps them', async (t) => {
  for (const runtime of await runtimes()) {
    const c = await sleeper({ Memory: 400 * M, PidsLimit: 50, CpuShares: 512, Runtime: runtime } as Docker.HostConfig);
    t.is(await memoryLimit(c.id), 400 * M);
    const answer = await c.update({ Memory: 300 * M, PidsLimit: 80, CpuShares: 256, CpusetCpus: '0' });
    t.deepEqual(answer, { Warnings: [] });
    t.is(await memoryLimit(c.id), 300 * M, `${runtime}: applied live`);
    t.is(await pidsMax(c.id), '80');
    t.is(await cgroupFile(c.id, 'cpuset', 'cpuset.cpus', 'cpuset.cpus'), '0');
    const hc = (await c.inspect()).HostConfig;
    t.like(hc, { Memory: 300 * M, MemorySwap: 300 * M, PidsLimit: 80, CpuShares: 256, CpusetCpus: '0' });
    await c.update({ PidsLimit: 0 });
    t.is(await pidsMax(c.id), 'max', `${runtime}: PidsLimit 0 lifts the limit, as in Docker`);
    await c.restart({ t: 0 });
    t.is(await memoryLimit(c.id), 300 * M, 'a restart starts with the updated limits');
    t.is((await c.inspect()).HostConfig.PidsLimit as number | null, null);
    await c.update({ Memory: 500 * M });
    t.is(await memoryLimit(c.id), 500 * M, `${runtime}: raised too, the swap limit following in an order the kernel accepts`);
    await c.remove({ force: true });
  }
});

test('update on a stopped container is stored and applied at the next start', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } });
  await c.update({ Memory: 64 * M, NanoCpus: 0.5e9 });
  await c.start();
  t.is(await memoryLimit(c.id), 64 * M);
  t.is(await cgroupFile(c.id, 'cpu', 'cpu.cfs_quota_us', 'cpu.max'), (await detectCgroups()).mode === 'v2' ? '50000 100000' : '50000');
  await c.remove({ force: true });
});

test('update refusals: Docker\'s messages, and nothing changes (moby verifyPlatformContainerResources, UpdateContainer)', async (t) => {
  const c = await sleeper({ Memory: 64 * M, MemorySwap: 128 * M });
  const swap = await refused(t, c.update({ Memory: 64 * M, MemorySwap: 32 * M }));
  t.deepEqual(swap, { status: 400, message: 'Minimum memoryswap limit should be larger than memory limit, see usage' });
  const above = await refused(t, c.update({ Memory: 256 * M }));
  t.is(above.status, 409);
  t.regex(above.message, /Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/);
  const host = await refused(t, c.update({ Memory: 1024 ** 5 }));
  t.is(host.status, 400);
  t.regex(host.message, /larger than this host's memory/, 'the same host bound as create');
  const cpus = await refused(t, c.update({ CpusetCpus: '0-4095' }));
  t.regex(cpus.message, /^Requested CPUs are not available - requested 0-4095, available: /);
  t.is(await memoryLimit(c.id), 64 * M);
  t.like((await c.inspect()).HostConfig, { Memory: 64 * M, MemorySwap: 128 * M, CpusetCpus: '' });
  t.is((await refused(t, client.getContainer('no-such').update({ Memory: 64 * M }))).status, 404);
  await c.remove({ force: true });
});

test('update below what the container uses: the kernel refuses on cgroup v1 (409, limit unchanged); on v2 it reclaims or OOM-kills', async (t) => {
  // 40 MiB in tmpfs cannot be reclaimed without swap (this host has none or the swap limit forbids it).
  const c = await sleeper({ Memory: 128 * M }, ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 && sleep 300']);
  await new Promise((r) => setTimeout(r, 1500));
  if ((await detectCgroups()).mode !== 'v2') {
    const r = await refused(t, c.update({ Memory: 16 * M }));
    t.is(r.status, 409);
    t.regex(r.message, new RegExp(`^Cannot update container ${c.id}: .*(busy|EBUSY)`, 'i'));
    t.is(await memoryLimit(c.id), 128 * M, 'the old limit stays');
    t.is((await c.inspect()).HostConfig.Memory, 128 * M, 'and so does the stored one');
  } else {
    await c.update({ Memory: 16 * M });
    const state = (await c.wait()) as { StatusCode: number };
    t.is(state.StatusCode, 137, 'v2 takes any limit and the OOM killer ends the container');
  }
  await c.remove({ force: true });
});

test('restart policy update on a running container (docker-py test_restart_policy_update); not with AutoRemove', async (t) => {
  const c = await sleeper({ RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
  await c.update({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 42 } });
  t.deepEqual((await c.inspect()).HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 42 });
  const bad = await refused(t, c.update({ RestartPolicy: { Name: 'sometimes' } }));
  t.deepEqual(bad, { status: 400, message: 'invalid restart policy \'sometimes\'' });
  const auto = await sleeper({ AutoRemove: true });
  const r = await refused(t, auto.update({ RestartPolicy: { Name: 'always' } }));
  t.is(r.status, 409);
  t.regex(r.message, /Restart policy cannot be updated because AutoRemove is enabled for the container/);
  await Promise.all([c.remove({ force: true }), auto.kill()]);
});

test('create: MemorySwap, MemoryReservation, MemorySwappiness, OomKillDisable, CpusetCpus, CpuQuota in inspect and in the cgroup (v1)', async (t) => {
  const layout = await detectCgroups();
  const v2 = layout.mode === 'v2';
  const hc: Docker.HostConfig = {
    Memory: 700 * M, MemorySwap: 1024 * M, MemoryReservation: 100 * M, CpusetCpus: '0', CpusetMems: '0', CpuQuota: 50_000, CpuPeriod: 200_000,
    ...(v2 ? {} : { MemorySwappiness: 40, OomKillDisable: true }),
  };
  const c = await sleeper(hc);
  t.like((await c.inspect()).HostConfig, { ...hc, NanoCpus: 0 });
  t.is(await cgroupFile(c.id, 'cpuset', 'cpuset.cpus', 'cpuset.cpus'), '0');
  t.is(await cgroupFile(c.id, 'cpu', 'cpu.cfs_period_us', 'cpu.max'), v2 ? '50000 200000' : '200000');
  if (!v2) {
    t.is(await cgroupFile(c.id, 'memory', 'memory.soft_limit_in_bytes', ''), String(100 * M));
    t.is(await cgroupFile(c.id, 'memory', 'memory.swappiness', ''), '40');
    t.regex(await cgroupFile(c.id, 'memory', 'memory.oom_control', ''), /^oom_kill_disable 1$/m);
  } else {
    t.is(await cgroupFile(c.id, 'memory', '', 'memory.low'), String(100 * M));
    const oom = await refused(t, client.createContainer({ Image: 'busybox', HostConfig: { OomKillDisable: true } }));
    t.regex(oom.message, /OomKillDisable is not supported on cgroup v2/);
  }
  await c.remove({ force: true });
});

test('create refusals: swap below memory, swap without memory, unknown runtime (Docker\'s messages)', async (t) => {
  const create = (hc: Docker.HostConfig) => client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: hc });
  t.deepEqual(await refused(t, create({ Memory: 64 * M, MemorySwap: 32 * M })), { status: 400, message: 'Minimum memoryswap limit should be larger than memory limit, see usage' });
  t.deepEqual(await refused(t, create({ MemorySwap: 32 * M })), { status: 400, message: 'You should always set the Memory limit when using Memoryswap limit, see usage' });
  t.deepEqual(await refused(t, create({ Runtime: 'kata' } as Docker.HostConfig)), { status: 400, message: 'unknown or invalid runtime name: kata' });
  t.deepEqual(await refused(t, create({ MemorySwappiness: 101 })), { status: 400, message: 'Invalid value: 101, valid memory swappiness range is 0-100' });
});

test('create --runtime: each runtime the engine has runs the container and inspect names it', async (t) => {
  t.true((await runtimes()).length > 0);
  for (const name of await runtimes()) {
    const c = await client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'exit 7'], HostConfig: { NetworkMode: 'none', Runtime: name } as Docker.HostConfig });
    t.is((await c.inspect()).HostConfig.Runtime, name);
    await c.start();
    t.is(((await c.wait()) as { StatusCode: number }).StatusCode, 7, `${name} ran it`);
    await c.remove();
  }
});

test('kill (SIGKILL) returns once the container has exited: inspect says not running and rm succeeds at once; a stopped one is 409', async (t) => {
  for (let i = 0; i < 3; i++) {
    const c = await sleeper();
    await c.kill();
    const state = (await c.inspect()).State;
    t.false(state.Running);
    t.is(state.ExitCode, 137);
    await c.remove(); // no force: Docker's `docker kill x && docker rm x`
  }
  const stopped = await client.createContainer({ Image: 'busybox', Cmd: ['true'] });
  const r = await refused(t, stopped.kill());
  t.deepEqual(r, { status: 409, message: `Container ${stopped.id} is not running` });
  await stopped.remove();
});

test('kill with another signal returns after delivering it; kill of a paused container thaws it so SIGKILL ends it', async (t) => {
  const trap = await sleeper({}, ['sh', '-c', 'trap "echo got-usr1; exit 3" USR1; while true; do sleep 0.1; done']);
  await trap.kill({ signal: 'SIGUSR1' });
  t.is(((await trap.wait()) as { StatusCode: number }).StatusCode, 3);
  const paused = await sleeper();
  await paused.pause();
  await paused.kill();
  t.false((await paused.inspect()).State.Running);
  await Promise.all([trap.remove(), paused.remove()]);
});

test('rm of a container waiting out its restart backoff is refused as "restarting" (docker-py test_create_with_restart_policy); policy "no" cancels the restart', async (t) => {
  const c = await sleeper({ RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } }, ['sh', '-c', 'exit 1']);
  // Its restarts back off (0.1 s, 0.2 s, 0.4 s, 0.8 s, 1.6 s, 3.2 s…): after five, each wait between runs lasts
  // 3.2 s or more, time enough for the rm below on a loaded host (after three, 0.8 s was not, once in CI).
  while ((await c.inspect()).RestartCount < 5) await new Promise((r) => setTimeout(r, 50));
  await c.wait({ condition: 'next-exit' });
  const r = await refused(t, c.remove());
  t.deepEqual(r, { status: 409, message: `You cannot remove a restarting container ${c.id}. Stop the container before attempting removal or force remove` });
  // An update to policy "no" cancels the pending restart: it stays exited, and rm needs no force.
  await c.update({ RestartPolicy: { Name: 'no' } });
  const count = (await c.inspect()).RestartCount;
  await new Promise((res) => setTimeout(res, 2000));
  t.like(await c.inspect(), { RestartCount: count, State: { Status: 'exited' } });
  await c.remove();
  t.is((await refused(t, c.inspect())).status, 404);
});

test('stats with stream=false: one sample with precpu_stats and the container\'s networks (docker-py GetContainerStatsTest)', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'] });
  await c.start();
  const s = await c.stats({ stream: false }) as unknown as Record<string, Record<string, unknown>>;
  for (const key of ['read', 'networks', 'precpu_stats', 'cpu_stats', 'memory_stats', 'blkio_stats']) t.true(key in s, key);
  t.true(Number((s.precpu_stats as { system_cpu_usage?: number }).system_cpu_usage) > 0, 'sampled a second earlier');
  t.deepEqual(Object.keys(s.networks), ['eth0']);
  t.like(s.networks.eth0, { rx_errors: 0, tx_errors: 0 });
  const none = await sleeper();
  t.false('networks' in (await none.stats({ stream: false }) as object), '--network none: no interfaces, no networks (as dockerd)');
  await Promise.all([c.remove({ force: true }), none.remove({ force: true })]);
});

withDockerCli(() => {
  const cli = (args: string[]): Promise<CliResult> => docker(served.socketPath, args);
  const ok = async (t: ExecutionContext, args: string[]) => {
    const r = await cli(args);
    t.is(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };

  test('docker CLI: update --memory/--memory-swap/--cpus/--pids-limit/--restart, kill && rm, stats --no-stream, run --runtime', async (t) => {
    const id = await ok(t, ['run', '-d', '--name', 'cli-upd', '--memory', '256m', 'busybox', 'sleep', '300']);
    await ok(t, ['update', '--memory', '128m', '--memory-swap', '512m', '--cpus', '0.5', '--pids-limit', '64', '--restart', 'on-failure:3', 'cli-upd']);
    t.is(await memoryLimit(id), 128 * M);
    t.is(await ok(t, ['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'cli-upd']),
      `${128 * M} ${512 * M} 500000000 64 on-failure:3`);
    const stats = await ok(t, ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.NetIO}}', 'cli-upd']);
    t.regex(stats, /^cli-upd .* \/ 128MiB \d/);
    const bad = await cli(['update', '--memory', '1g', '--memory-swap', '512m', 'cli-upd']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /Minimum memoryswap limit should be larger than memory limit/);
    await ok(t, ['kill', 'cli-upd']);
    await ok(t, ['rm', 'cli-upd']);
    const again = await cli(['kill', id]);
    t.regex(again.stderr, /No such container/);
    const rt = await cli(['run', '--rm', '--runtime', 'nope', 'busybox', 'true']);
    t.not(rt.code, 0);
    t.regex(rt.stderr, /unknown or invalid runtime name: nope/);
  });
});
