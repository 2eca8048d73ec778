/**
 * Issue 16: resource options → OCI resources, Docker's checks of them (the
 * messages of moby's verifyPlatformContainerResources), the merge of an
 * update (moby's Container.UpdateContainer) and the network counters of
 * `stats`. Pure functions; the live side is test/runtime/api/update-e2e.test.ts.
 */
import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { checkLimits, ociLimits, parseCpuList, type LimitHost } from '../../../runtime/containers/limits.js';
import { mergeUpdate } from '../../../runtime/containers/update.js';
import { parseNetDev } from '../../../runtime/containers/net-stats.js';

const M = 1024 * 1024;
const V1: LimitHost = { cgroupV2: false, cpus: '0-1', mems: '0', blkioWeight: false };
const V2: LimitHost = { ...V1, cgroupV2: true };
const ID = 'c'.repeat(64);

test('ociLimits: swap equals the limit unless given (-1 = unlimited), reservation, swappiness, OOM killer, cpuset, blkio', (t) => {
  t.deepEqual(ociLimits({ memory: 64 * M }).memory, { limit: 64 * M, swap: 64 * M });
  t.deepEqual(ociLimits({ memory: 64 * M, memorySwap: 128 * M }).memory, { limit: 64 * M, swap: 128 * M });
  t.deepEqual(ociLimits({ memory: 64 * M, memorySwap: -1 }).memory, { limit: 64 * M, swap: -1 });
  t.deepEqual(ociLimits({ memoryReservation: 32 * M, memorySwappiness: 40, oomKillDisable: true }).memory,
    { reservation: 32 * M, swappiness: 40, disableOOMKiller: true });
  t.deepEqual(ociLimits({ cpusetCpus: '0,1', cpusetMems: '0' }).cpu, { cpus: '0,1', mems: '0' });
  t.deepEqual(ociLimits({ cpuQuota: 50_000 }).cpu, { quota: 50_000, period: 100_000 });
  t.deepEqual(ociLimits({ cpuQuota: 20_000, cpuPeriod: 40_000 }).cpu, { quota: 20_000, period: 40_000 });
  t.deepEqual(ociLimits({ nanoCpus: 0.5e9, cpuShares: 512 }).cpu, { quota: 50_000, period: 100_000, shares: 512 });
  t.deepEqual(ociLimits({ blkioWeight: 300 }).blockIO, { weight: 300 });
  t.deepEqual(ociLimits({}), {});
  t.deepEqual(ociLimits({}, { unsetPids: -1 }).pids, { limit: -1 }, 'an update to "no pids limit" says so, in the runtime\'s words');
  t.deepEqual(ociLimits({ pidsLimit: 5 }, { unsetPids: -1 }).pids, { limit: 5 });
});

/** The message an `Invalid` check throws. */
function refusal(t: import('ava').ExecutionContext, fn: () => void): string {
  const err = t.throws(fn);
  t.true(isKind(err, 'Invalid'), String(err));
  return err?.message ?? '';
}

test('checkLimits: Docker\'s refusals and messages (moby daemon_unix.go verifyPlatformContainerResources)', (t) => {
  t.is(refusal(t, () => checkLimits({ memory: 4 * M }, V1)), 'Minimum memory limit allowed is 6MB');
  t.is(refusal(t, () => checkLimits({ memory: 64 * M, memorySwap: 32 * M }, V1)), 'Minimum memoryswap limit should be larger than memory limit, see usage');
  t.is(refusal(t, () => checkLimits({ memorySwap: 32 * M }, V1)), 'You should always set the Memory limit when using Memoryswap limit, see usage');
  t.notThrows(() => checkLimits({ memorySwap: 32 * M }, V1, true), 'an update may raise the swap alone');
  t.is(refusal(t, () => checkLimits({ memorySwappiness: 101 }, V1)), 'Invalid value: 101, valid memory swappiness range is 0-100');
  t.is(refusal(t, () => checkLimits({ memoryReservation: M }, V1)), 'Minimum memory reservation allowed is 6MB');
  t.is(refusal(t, () => checkLimits({ memory: 16 * M, memoryReservation: 32 * M }, V1)), 'Minimum memory limit can not be less than memory reservation limit, see usage');
  t.is(refusal(t, () => checkLimits({ nanoCpus: 1e9, cpuQuota: 50_000 }, V1)), 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  t.is(refusal(t, () => checkLimits({ cpuPeriod: 500 }, V1)), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  t.is(refusal(t, () => checkLimits({ cpuQuota: 999 }, V1)), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
  t.is(refusal(t, () => checkLimits({ cpusetCpus: '0-3' }, V1)), 'Requested CPUs are not available - requested 0-3, available: 0-1');
  t.is(refusal(t, () => checkLimits({ cpusetCpus: '1-0' }, V1)), 'Invalid value 1-0 for cpuset cpus');
  t.is(refusal(t, () => checkLimits({ cpusetMems: '1' }, V1)), 'Requested memory nodes are not available - requested 1, available: 0');
  t.is(refusal(t, () => checkLimits({ blkioWeight: 5 }, { ...V1, blkioWeight: true })), 'Range of blkio weight is from 10 to 1000');
  t.regex(refusal(t, () => checkLimits({ blkioWeight: 500 }, V1)), /does not support Block I\/O weight/, 'refused, not dropped with a warning');
  t.notThrows(() => checkLimits({ blkioWeight: 500 }, { ...V1, blkioWeight: true }));
  t.notThrows(() => checkLimits({ memory: 64 * M, memorySwap: -1, memorySwappiness: 0, oomKillDisable: true, cpusetCpus: '0,1' }, V1));
});

test('checkLimits: OomKillDisable and swappiness are refused on cgroup v2, where the kernel has neither', (t) => {
  t.regex(refusal(t, () => checkLimits({ oomKillDisable: true }, V2)), /OomKillDisable is not supported on cgroup v2/);
  t.regex(refusal(t, () => checkLimits({ memorySwappiness: 10 }, V2)), /swappiness is not supported on cgroup v2/);
  t.notThrows(() => checkLimits({ memory: 64 * M, memorySwap: 128 * M }, V2));
});

test('parseCpuList reads the kernel\'s list format', (t) => {
  t.deepEqual([...parseCpuList('0-2,4')!], [0, 1, 2, 4]);
  t.deepEqual([...parseCpuList('3')!], [3]);
  t.is(parseCpuList('a'), null);
  t.is(parseCpuList('0-'), null);
  t.is(parseCpuList(''), null);
});

test('mergeUpdate: given values replace, zeros keep; swap follows an unset swap; Docker\'s conflicts (moby container_unix.go UpdateContainer)', (t) => {
  const base = { image: 'busybox', memory: 400 * M, cpuShares: 512, pidsLimit: 100 };
  t.deepEqual(mergeUpdate(ID, base, { memory: 300 * M }), { ...base, memory: 300 * M });
  t.deepEqual(mergeUpdate(ID, base, { cpusetCpus: '1', pidsLimit: 0 }), { ...base, cpusetCpus: '1', pidsLimit: undefined });
  t.deepEqual(mergeUpdate(ID, base, { restartPolicy: { name: 'on-failure', maximumRetryCount: 42 } }).restartPolicy, { name: 'on-failure', maximumRetryCount: 42 });
  const swapped = { ...base, memorySwap: 500 * M };
  const tooBig = t.throws(() => mergeUpdate(ID, swapped, { memory: 600 * M }));
  t.true(isKind(tooBig, 'Conflict'));
  t.is(tooBig?.message, `Cannot update container ${ID}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`);
  t.is(mergeUpdate(ID, swapped, { memory: 600 * M, memorySwap: 1200 * M }).memorySwap, 1200 * M);
  t.regex(t.throws(() => mergeUpdate(ID, { ...base, nanoCpus: 1e9 }, { cpuQuota: 50_000 }))?.message ?? '', /CPU Quota cannot be updated as NanoCPUs has already been set/);
  t.regex(t.throws(() => mergeUpdate(ID, { ...base, cpuPeriod: 50_000 }, { nanoCpus: 1e9 }))?.message ?? '', /Nano CPUs cannot be updated as CPU Period has already been set/);
  const auto = t.throws(() => mergeUpdate(ID, { ...base, autoRemove: true }, { restartPolicy: { name: 'always', maximumRetryCount: 0 } }));
  t.regex(auto?.message ?? '', /Restart policy cannot be updated because AutoRemove is enabled for the container/);
});

test('parseNetDev: counters per interface, lo left out', (t) => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0',
    '  eth0:    1296      16    1    2    0     0          0         0      726       9    3    4    0     0       0          0',
  ].join('\n');
  t.deepEqual(parseNetDev(text), {
    eth0: { rxBytes: 1296, rxPackets: 16, rxErrors: 1, rxDropped: 2, txBytes: 726, txPackets: 9, txErrors: 3, txDropped: 4 },
  });
});
