/** Loading containers-common seccomp profiles and resolving them per architecture, kernel and capability set. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKind } from '../../../lib/errors.js';
import {
  loadSeccompProfile, resolveSeccomp, compareKernel, CONTAINERS_COMMON_SECCOMP_PROFILE, type SeccompProfile, type OciSeccomp,
} from '../../../runtime/containers/seccomp.js';
import { DEFAULT_CAPABILITIES } from '../../../runtime/containers/capabilities.js';

/** Syscall names allowed (unconditionally, i.e. without args) by a resolved profile. */
function allowed(s: OciSeccomp): Set<string> {
  return new Set(s.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
}

function denied(s: OciSeccomp): Set<string> {
  return new Set(s.syscalls.filter((r) => r.action === 'SCMP_ACT_ERRNO').flatMap((r) => r.names));
}

const template: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    { names: ['future'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '99.0' } },
    { names: ['both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'] } },
    { names: ['notx86'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] } },
    { name: 'oldstyle', action: 'SCMP_ACT_ALLOW', args: null },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
  ],
};

test('archMap keeps the native architecture and its sub-architectures only', (t) => {
  t.deepEqual(resolveSeccomp(template, { caps: [], arch: 'amd64', kernel: '6.1.0' }).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  t.deepEqual(resolveSeccomp(template, { caps: [], arch: 'arm64', kernel: '6.1.0' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  t.deepEqual(resolveSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'] }, { caps: [] }).architectures, ['SCMP_ARCH_X86_64']);
});

test('includes need every listed cap; excludes drop on any listed cap', (t) => {
  const none = resolveSeccomp(template, { caps: [], arch: 'amd64', kernel: '6.1.0' });
  t.false(allowed(none).has('mount'));
  t.true(denied(none).has('mount'));
  t.false(allowed(none).has('both'));

  const admin = resolveSeccomp(template, { caps: ['CAP_SYS_ADMIN'], arch: 'amd64', kernel: '6.1.0' });
  t.true(allowed(admin).has('mount'));
  t.false(denied(admin).has('mount'));
  t.false(allowed(admin).has('both'), 'CAP_BPF is missing');

  const boot = resolveSeccomp(template, { caps: ['CAP_SYS_BOOT'], arch: 'amd64', kernel: '6.1.0' });
  t.false(denied(boot).has('mount'), 'any excluded cap drops the rule');
  t.true(allowed(resolveSeccomp(template, { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'], arch: 'amd64', kernel: '6.1.0' })).has('both'));
});

test('arches and minKernel select rules; names, args and errnoRet are copied', (t) => {
  const x86 = resolveSeccomp(template, { caps: [], arch: 'amd64', kernel: '6.1.0-18-amd64' });
  t.true(allowed(x86).has('arch_prctl'));
  t.false(allowed(x86).has('notx86'));
  t.true(allowed(x86).has('ptrace'));
  t.false(allowed(x86).has('future'));
  t.true(allowed(x86).has('oldstyle'));
  t.is(x86.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(x86.defaultErrnoRet, 38);
  t.deepEqual(x86.syscalls.find((r) => r.names.includes('personality'))!.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
  t.is(x86.syscalls.find((r) => r.action === 'SCMP_ACT_ERRNO')!.errnoRet, 1);

  const arm = resolveSeccomp(template, { caps: [], arch: 'arm64', kernel: '4.4.0' });
  t.false(allowed(arm).has('arch_prctl'));
  t.true(allowed(arm).has('notx86'));
  t.false(allowed(arm).has('ptrace'), 'kernel 4.4 < minKernel 4.8');
});

test('kernel versions compare numerically', (t) => {
  t.true(compareKernel('6.18.44-fc-v595', '4.8') > 0);
  t.true(compareKernel('4.10', '4.8') > 0);
  t.is(compareKernel('5.4.0', '5.4'), 0);
  t.true(compareKernel('3.2', '3.10') < 0);
});

test('the containers-common profile resolves for Docker\'s default capabilities', async (t) => {
  const profile = await loadSeccompProfile(CONTAINERS_COMMON_SECCOMP_PROFILE);
  const s = resolveSeccomp(profile, { caps: DEFAULT_CAPABILITIES, arch: 'amd64' });
  t.is(s.defaultAction, 'SCMP_ACT_ERRNO');
  t.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  t.true(allowed(s).has('chroot'), 'CAP_SYS_CHROOT is a default cap');
  t.true(allowed(s).has('arch_prctl'));
  t.false(allowed(s).has('bpf'));
  t.true(denied(s).has('bpf'));
  t.false(allowed(s).has('clock_settime'));
  t.true(s.syscalls.every((r) => r.names.length > 0));
});

test('profiles are cached per path; a missing file is Unavailable (naming the package for containers-common\'s)', async (t) => {
  t.is(loadSeccompProfile(CONTAINERS_COMMON_SECCOMP_PROFILE), loadSeccompProfile(CONTAINERS_COMMON_SECCOMP_PROFILE));
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-seccomp-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'profile.json');
  const err = await t.throwsAsync(loadSeccompProfile(file));
  t.true(isKind(err, 'Unavailable'));
  t.regex(err!.message, /profile\.json not found/);
  // The failure is not cached: once the file exists it loads.
  await fsp.writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
  t.is((await loadSeccompProfile(file)).defaultAction, 'SCMP_ACT_ALLOW');
  const bad = path.join(dir, 'bad.json');
  await fsp.writeFile(bad, '{ not json');
  t.true(isKind(await t.throwsAsync(loadSeccompProfile(bad)), 'Invalid'));
});
