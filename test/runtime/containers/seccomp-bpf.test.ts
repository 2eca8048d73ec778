/**
 * crun's precompiled seccomp filter: the engine compiles each profile once
 * and hands crun the BPF; containers must behave exactly as when crun
 * compiles the same profile itself.
 */
import test from 'ava';
import { mkdtemp, writeFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../../../runtime/engine.js';
import { removeCgroupTree } from '../../../runtime/containers/cgroups.js';
import { compiledSeccomp } from '../../../runtime/containers/seccomp-bpf.js';
import { runToEnd, testLogger } from '../../helpers/engine.js';
import { loadSeccompProfile, resolveSeccomp, DEFAULT_SECCOMP_PROFILE } from '../../../runtime/containers/seccomp.js';
import { claimNetworkSlot } from '../../helpers/network-slot.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../../../runtime/containers/capabilities.js';

/** Deny mkdir with EACCES, and personality(PER_LINUX32) only (an argument condition). */
const PROFILE = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['no_such_syscall_anywhere'], action: 'SCMP_ACT_ERRNO' },
  ],
};
const PROBE = 'mkdir /tmp/d 2>&1; linux32 true && echo linux32-ok; linux64 true && echo linux64-ok; grep ^Seccomp: /proc/self/status';

test('a precompiled filter behaves like the runtime compiling the profile (crun vs runc on the same profile)', async (t) => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'tsp-bpf-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const profile = path.join(base, 'profile.json');
  await writeFile(profile, JSON.stringify(PROFILE));
  const outputs: Record<string, string> = {};
  for (const runtime of ['crun', 'runc'] as const) {
    const slot = await claimNetworkSlot();
    const config = { root: path.join(base, runtime), runRoot: path.join(base, `${runtime}-run`), runtime, cgroupParent: `/tspaas-test/${path.basename(base)}-${runtime}`, seccompProfile: profile, network: slot.config };
    const e = await createEngine(config, testLogger());
    t.teardown(async () => {
      for (const c of await e.listContainers({ all: true })) await e.removeContainer(c.record.id, { force: true });
      await e.close();
      await slot.release();
      await removeCgroupTree(config.cgroupParent).catch(() => undefined);
    });
    const r = await runToEnd(e, { image: 'busybox', cmd: ['sh', '-c', PROBE] });
    outputs[runtime] = r.stdout;
  }
  t.regex(outputs.crun, /Permission denied/, 'mkdir gets the errnoRet of its rule');
  t.notRegex(outputs.crun, /linux32-ok/, 'personality(PER_LINUX32) is denied by the argument condition');
  t.regex(outputs.crun, /linux64-ok/, 'personality with another argument is allowed');
  t.regex(outputs.crun, /Seccomp:\s+2/);
  t.is(outputs.crun, outputs.runc, 'crun with the precompiled filter = runc compiling the profile itself');
  t.is((await readdir(path.join(base, 'crun', 'seccomp'))).length, 1, 'the compiled filter was cached');
});

test('exec processes run under the precompiled filter too', async (t) => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'tsp-bpf-'));
  const profile = path.join(base, 'profile.json');
  await writeFile(profile, JSON.stringify(PROFILE));
  const slot = await claimNetworkSlot();
  const config = { root: path.join(base, 'root'), runRoot: path.join(base, 'run'), runtime: 'crun' as const, cgroupParent: `/tspaas-test/${path.basename(base)}`, seccompProfile: profile, network: slot.config };
  const e = await createEngine(config, testLogger());
  t.teardown(async () => {
    for (const c of await e.listContainers({ all: true })) await e.removeContainer(c.record.id, { force: true });
    await e.close();
    await slot.release();
    await removeCgroupTree(config.cgroupParent).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sleep', '60'] });
  await e.startContainer(c.record.id);
  const id = await e.createExec(c.record.id, { cmd: ['sh', '-c', 'mkdir /tmp/x 2>&1; true'], attachStdout: true, attachStderr: true });
  const att = (await e.startExec(id, {}))!;
  let out = '';
  att.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att.onEnd(r));
  t.regex(out, /Permission denied/);
});

test('identical profiles compile once; an uncompilable one yields null (the runtime compiles it)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-bpf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const p = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  const a = await compiledSeccomp(p, dir);
  t.truthy(a && Buffer.from(a, 'base64').length % 8 === 0, 'a BPF program is a whole number of 8-byte instructions');
  t.is(await compiledSeccomp({ ...p }, dir), a);
  t.is((await readdir(dir)).length, 1);
  t.is(await compiledSeccomp({ ...p, defaultAction: 'SCMP_ACT_NO_SUCH_ACTION' }, dir), null);
});

test('the default profile compiles for the default, SYS_ADMIN, SYS_PTRACE and ALL capability sets, so crun never falls back to compiling it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-bpf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const profile = await loadSeccompProfile(DEFAULT_SECCOMP_PROFILE);
  const sets = [DEFAULT_CAPABILITIES, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], [...DEFAULT_CAPABILITIES, 'CAP_SYS_PTRACE'], ALL_CAPABILITIES];
  for (const caps of sets) t.truthy(await compiledSeccomp(resolveSeccomp(profile, { caps }), dir), caps.join(','));
});
