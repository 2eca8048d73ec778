/**
 * `--security-opt`, `--cap-add`/`--cap-drop` and the shipped default seccomp
 * profile: the rules as resolved, then their effect in real containers.
 * Docker's behaviour is the reference (moby daemon/create.go parseSecurityOpt,
 * oci/caps TweakCapabilities, profiles/seccomp).
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { isKind } from '../../../lib/errors.js';
import { parseSecurityOpts } from '../../../runtime/containers/security-opts.js';
import {
  CONTAINERS_COMMON_SECCOMP_PROFILE, DEFAULT_SECCOMP_PROFILE, loadSeccompProfile, resolveSeccomp, type OciSeccomp,
} from '../../../runtime/containers/seccomp.js';
import { DEFAULT_CAPABILITIES, capMask, capsFromMask } from '../../../runtime/containers/capabilities.js';
import { containerInspectJson } from '../../../runtime/api/docker/container-json.js';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import type { CreateOptions } from '../../../runtime/containers/types.js';

/** Names a resolved profile allows with no argument condition. */
function allowed(s: OciSeccomp): Set<string> {
  return new Set(s.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
}

const GATED = [
  'clone', 'clone3', 'unshare', 'setns', 'mount', 'umount', 'umount2', 'pivot_root', 'fsopen', 'fsmount', 'move_mount', 'open_tree',
  'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'ptrace', 'process_vm_readv', 'init_module',
  'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'open_by_handle_at', 'io_uring_setup', 'syslog', 'sethostname',
  'reboot', 'settimeofday', 'acct', 'iopl', 'socket',
];

test('the shipped profile for Docker\'s default capabilities: EPERM by default, x86_64 with i386 and x32, every gated call absent', async (t) => {
  const s = resolveSeccomp(await loadSeccompProfile(DEFAULT_SECCOMP_PROFILE), { caps: DEFAULT_CAPABILITIES, arch: 'amd64', kernel: '6.1.0' });
  t.is(s.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(s.defaultErrnoRet, 1);
  t.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const open = allowed(s);
  for (const name of GATED) t.false(open.has(name), name);
  t.true(open.has('chroot'), 'CAP_SYS_CHROOT is a default capability');
  t.true(open.has('arch_prctl') && open.has('read') && open.has('execve'));
  const clone = s.syscalls.filter((r) => r.names.includes('clone'));
  t.deepEqual(clone, [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  t.deepEqual(s.syscalls.filter((r) => r.names.includes('clone3')), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  t.deepEqual(s.syscalls.find((r) => r.names.includes('socket'))!.args, [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }], 'every family but AF_VSOCK');
  t.deepEqual(resolveSeccomp(await loadSeccompProfile(DEFAULT_SECCOMP_PROFILE), { caps: DEFAULT_CAPABILITIES, arch: 'arm64' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

test('the shipped profile follows the capabilities: SYS_ADMIN, SYS_PTRACE, BPF, PERFMON, SYS_MODULE, DAC_READ_SEARCH open their calls', async (t) => {
  const profile = await loadSeccompProfile(DEFAULT_SECCOMP_PROFILE);
  const withCap = (cap: string) => resolveSeccomp(profile, { caps: [...DEFAULT_CAPABILITIES, cap], arch: 'amd64', kernel: '6.1.0' });
  const admin = withCap('CAP_SYS_ADMIN');
  for (const name of ['clone', 'clone3', 'unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'bpf', 'perf_event_open', 'sethostname']) t.true(allowed(admin).has(name), name);
  t.false(admin.syscalls.some((r) => r.action === 'SCMP_ACT_ERRNO'), 'no clone3 ENOSYS rule with CAP_SYS_ADMIN');
  for (const name of ['keyctl', 'add_key', 'request_key', 'userfaultfd', 'kexec_load', 'io_uring_setup']) t.false(allowed(admin).has(name), `${name} never`);
  t.true(allowed(withCap('CAP_SYS_PTRACE')).has('ptrace'));
  t.true(allowed(withCap('CAP_BPF')).has('bpf'));
  t.false(allowed(withCap('CAP_BPF')).has('unshare'));
  t.true(allowed(withCap('CAP_PERFMON')).has('perf_event_open'));
  t.true(allowed(withCap('CAP_SYS_MODULE')).has('finit_module'));
  t.true(allowed(withCap('CAP_DAC_READ_SEARCH')).has('open_by_handle_at'));
});

test('Docker\'s security options parse; unknown or malformed ones are Invalid with "invalid --security-opt"', (t) => {
  t.deepEqual(parseSecurityOpts(undefined), { seccomp: 'default', noNewPrivileges: true });
  t.false(parseSecurityOpts(['no-new-privileges=false']).noNewPrivileges);
  t.false(parseSecurityOpts(['no-new-privileges:0']).noNewPrivileges, 'the deprecated ":" spelling');
  t.true(parseSecurityOpts(['no-new-privileges=false', 'no-new-privileges']).noNewPrivileges, 'the last one wins');
  t.true(parseSecurityOpts(['no-new-privileges=TRUE']).noNewPrivileges);
  t.is(parseSecurityOpts(['seccomp=unconfined']).seccomp, null);
  t.is(parseSecurityOpts(['seccomp=builtin']).seccomp, 'default');
  t.deepEqual(parseSecurityOpts(['seccomp={"defaultAction":"SCMP_ACT_LOG"}']).seccomp, { defaultAction: 'SCMP_ACT_LOG' });
  t.notThrows(() => parseSecurityOpts(['apparmor=unconfined', 'label=disable']));
  const bad: [string, RegExp][] = [
    ['no-new-privileges=maybe', /invalid --security-opt: "no-new-privileges=maybe"/],
    ['seccomp=/etc/profile.json', /invalid --security-opt: seccomp=\/etc\/profile\.json: give "unconfined", "builtin" or the profile's JSON/],
    ['seccomp={not json', /is not valid JSON/],
    ['seccomp={"defaultAction":"SCMP_ACT_NOPE"}', /unknown action "SCMP_ACT_NOPE"/],
    ['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"LT"}]}]}', /unknown comparison "LT"/],
    ['apparmor=docker-default', /invalid --security-opt: "apparmor=docker-default": AppArmor/],
    ['label=type:svirt_t', /invalid --security-opt: "label=type:svirt_t": SELinux/],
    ['systempaths=unconfined', /invalid --security-opt: "systempaths=unconfined"/],
    ['nonsense', /invalid --security-opt: "nonsense"/],
  ];
  for (const [opt, message] of bad) {
    const err = t.throws(() => parseSecurityOpts([opt]), { message }, opt);
    t.true(isKind(err, 'Invalid'), opt);
  }
});

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox');
});
test.after.always(() => te?.cleanup());

async function sh(script: string, opts: Partial<CreateOptions> = {}): Promise<string> {
  const r = await runToEnd(te.engine, { image: 'busybox', cmd: ['sh', '-c', script], ...opts });
  return (r.stdout + r.stderr).trim();
}

const status = (field: string) => `grep ^${field}: /proc/self/status | cut -f2`;

test('no-new-privileges is on by default, off with no-new-privileges=false, and an exec inherits it', async (t) => {
  t.is(await sh(status('NoNewPrivs')), '1');
  t.is(await sh(status('NoNewPrivs'), { securityOpt: ['no-new-privileges'] }), '1');
  t.is(await sh(status('NoNewPrivs'), { securityOpt: ['no-new-privileges=false'] }), '0');
  const c = await te.engine.createContainer({ image: 'busybox', cmd: ['sleep', '60'], securityOpt: ['no-new-privileges=false'] });
  await te.engine.startContainer(c.record.id);
  const id = await te.engine.createExec(c.record.id, { cmd: ['sh', '-c', status('NoNewPrivs')], attachStdout: true });
  const att = (await te.engine.startExec(id, {}))!;
  let out = '';
  att.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att.onEnd(r));
  t.is(out.trim(), '0');
  t.deepEqual((containerInspectJson(await te.engine.getContainer(c.record.id)) as { HostConfig: { SecurityOpt: string[] } }).HostConfig.SecurityOpt, ['no-new-privileges=false']);
});

test('seccomp=unconfined and --privileged run without a filter; seccomp=<json> runs that profile instead of the default', async (t) => {
  t.is(await sh(status('Seccomp')), '2');
  t.is(await sh(status('Seccomp'), { securityOpt: ['seccomp=unconfined'] }), '0');
  t.is(await sh(status('Seccomp'), { privileged: true, securityOpt: ['seccomp={"defaultAction":"SCMP_ACT_KILL"}'] }), '0', 'privileged wins, as in Docker');
  const denyMkdir = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
  t.regex(await sh('mkdir /tmp/x', { securityOpt: [`seccomp=${denyMkdir}`] }), /Permission denied/);
  t.regex(await sh('unshare -U -r id -u', { securityOpt: [`seccomp=${denyMkdir}`] }), /^0$/m, 'the given profile replaces the default one');
});

test('containers-common\'s profile lets a container make a user namespace (the reported escape); the shipped default does not', async (t) => {
  const containersCommon = await readFile(CONTAINERS_COMMON_SECCOMP_PROFILE, 'utf8');
  t.regex(await sh('unshare -U -r id -u', { securityOpt: [`seccomp=${containersCommon}`] }), /^0$/m);
  t.regex(await sh('unshare -U -r id -u'), /Operation not permitted/);
});

test('a bad security option or capability is refused at create, and nothing is created', async (t) => {
  // Each refused create asks for a name of its own: none may exist afterwards (other tests of this file run containers meanwhile).
  const cases: [Partial<CreateOptions>, RegExp][] = [
    [{ securityOpt: ['bogus=1'] }, /invalid --security-opt: "bogus=1"/],
    [{ securityOpt: ['seccomp={'] }, /not valid JSON/],
    [{ capAdd: ['NOPE'] }, /^invalid CapAdd: unknown capability: "CAP_NOPE"$/],
    [{ capDrop: ['cap_nope'] }, /^invalid CapDrop: unknown capability: "CAP_NOPE"$/],
  ];
  for (const [i, [opts, message]] of cases.entries()) {
    const err = await t.throwsAsync(te.engine.createContainer({ image: 'busybox', cmd: ['true'], name: `refused-${i}`, ...opts }), { message });
    t.true(isKind(err, 'Invalid'));
  }
  const names = (await te.engine.listContainers({ all: true })).map((c) => c.record.name);
  t.deepEqual(names.filter((n) => n.startsWith('refused-')), []);
});

test('--cap-add/--cap-drop as Docker: any case, with or without CAP_, ALL; seccomp follows the resulting set', async (t) => {
  const capEff = status('CapEff');
  t.is(await sh(capEff), capMask(DEFAULT_CAPABILITIES));
  t.is(await sh(capEff, { capDrop: ['ALL'], capAdd: ['chown'] }), capMask(['CAP_CHOWN']));
  t.is(await sh(capEff, { capDrop: ['cap_net_raw', 'Kill'] }), capMask(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_KILL')));
  const bounding = capsFromMask(BigInt(`0x${(await readFile('/proc/self/status', 'utf8')).match(/CapBnd:\s+(\w+)/)![1]}`));
  t.is(await sh(capEff, { capAdd: ['ALL'] }), capMask(bounding), 'ALL = every capability the engine holds');
  t.is(await sh(capEff, { capAdd: ['all'], capDrop: ['SYS_ADMIN'] }), capMask(bounding.filter((c) => c !== 'CAP_SYS_ADMIN')));
  for (const spelling of ['SYS_ADMIN', 'sys_admin', 'CAP_SYS_ADMIN']) {
    t.regex(await sh('unshare -U -r id -u', { capAdd: [spelling] }), /^0$/m, spelling);
  }
  t.regex(await sh('unshare -U -r id -u', { capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }), /Operation not permitted/, 'ALL minus SYS_ADMIN keeps unshare gated');
});
