/**
 * The escape-probe list of issue 13, shared by the engine's test
 * (test/runtime/containers/escape-probes.test.ts: each probe in a container
 * with the engine's defaults) and the platform's
 * (test/platform/scheduler/escape-probes.test.ts: every probe inside the app
 * and one-off containers of two teams). Each probe must be refused there;
 * its control (the capability it needs, `--privileged`, `seccomp=unconfined`
 * or `no-new-privileges=false`) shows the same probe works where it should.
 *
 * Syscalls busybox and util-linux cannot make go through perl's syscall()
 * in the Debian run stack, with x86_64 numbers. Where this kernel itself
 * lacks the feature (no module loader, no kexec), the control shows that
 * the call gets past the filter and the capability check to the kernel
 * (ENOSYS/EINVAL instead of the filter's EPERM).
 */
import { APP_CAP_DROP } from '../../platform/scheduler/process-spec.js';
import type { CreateOptions } from '../../runtime/containers/types.js';
import type { Engine } from '../../runtime/types.js';
import { runToEnd } from './engine.js';

/** One escape attempt and the control under which the same attempt works. */
export interface Probe {
  name: string;
  /** Where the case comes from. */
  source: string;
  image: 'busybox' | 'debian';
  cmd: string[];
  /** Options of the hardened run besides the defaults (e.g. the platform's cap drop). */
  hardened?: Partial<CreateOptions>;
  /** What the hardened run answers. */
  refused: RegExp;
  /** Options under which the probe works. */
  control: Partial<CreateOptions>;
  /** What the control run prints (default: OK). */
  works?: RegExp;
  /** Runs in a container of its own: where it works, it changes the container for whatever runs after it. */
  alone?: boolean;
}

export const EPERM = /Operation not permitted/;
export const EROFS = /Read-only file system/;
const DOCKER_DOCS = 'Docker docs, "Seccomp security profiles for Docker": significant syscalls blocked by the default profile';
const SYS_ADMIN: Partial<CreateOptions> = { capAdd: ['SYS_ADMIN'] };
export const UNCONFINED: Partial<CreateOptions> = { securityOpt: ['seccomp=unconfined'] };
/** Reached the kernel: anything but the filter's EPERM (this kernel has no module loader or kexec). */
const PAST_FILTER = /^(OK|ERR (Function not implemented|Invalid argument|Exec format error|Bad message|No such file or directory))$/m;

/** perl with a helper `sc(nr, args…)` (on copies of the arguments) that dies with "ERR <errno text>" when the syscall fails. */
export function perl(code: string): string[] {
  return ['perl', '-MPOSIX', '-e', `sub sc { my ($n, @a) = @_; my $r = syscall($n, @a); die "ERR $!\\n" if $r < 0; $r } ${code}; print "OK\\n";`];
}

/** A shell command line that prints OK when it succeeds. */
export function util(command: string): string[] {
  return ['sh', '-c', `${command} && echo OK`];
}

/** clone(flags|SIGCHLD) that waits for its child. */
const cloneWith = (flags: string) => `my $p = sc(56, ${flags} | 17, 0, 0, 0, 0); POSIX::_exit(0) if $p == 0; waitpid($p, 0)`;

/** Every probe the engine's defaults must refuse (run by the engine's and the platform's escape-probe tests). */
export const ESCAPE_PROBES: Probe[] = [
  { name: 'unshare -U -r (busybox): root with every capability in a new user namespace', source: 'issue 13 (the reported escape); ' + DOCKER_DOCS + ' (unshare)', image: 'busybox', cmd: ['unshare', '-U', '-r', 'sh', '-c', 'id -u && echo OK'], refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --net', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --net true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --mount', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --mount true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --pid --fork', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --pid --fork true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --ipc', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --ipc true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --uts', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --uts true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'unshare --cgroup', source: DOCKER_DOCS + ' (unshare)', image: 'debian', cmd: util('unshare --cgroup true'), refused: EPERM, control: SYS_ADMIN },
  { name: 'clone(CLONE_NEWUSER) by syscall', source: DOCKER_DOCS + ' (clone: "deny cloning new namespaces")', image: 'debian', cmd: perl(cloneWith('0x10000000')), refused: EPERM, control: SYS_ADMIN },
  { name: 'clone(CLONE_NEWNET|CLONE_NEWNS) by syscall', source: DOCKER_DOCS + ' (clone)', image: 'debian', cmd: perl(cloneWith('0x40020000')), refused: EPERM, control: SYS_ADMIN },
  {
    name: 'clone3(CLONE_NEWUSER) answers ENOSYS', source: 'moby/moby#42681 (clone3 answers ENOSYS so libc falls back to the clone rule)', image: 'debian',
    cmd: perl('my $p = sc(435, pack("Q8", 0x10000000, 0, 0, 0, 17, 0, 0, 0), 64); POSIX::_exit(0) if $p == 0; waitpid($p, 0)'),
    refused: /Function not implemented/, control: SYS_ADMIN,
  },
  { name: 'setns into a namespace', source: DOCKER_DOCS + ' (setns)', image: 'debian', cmd: perl('open(my $f, "<", "/proc/self/ns/uts") or die; sc(308, fileno($f), 0)'), refused: EPERM, control: SYS_ADMIN },
  { name: 'mount a tmpfs', source: DOCKER_DOCS + ' (mount)', image: 'debian', cmd: perl('sc(165, "none", "/mnt", "tmpfs", 0, 0)'), refused: EPERM, control: SYS_ADMIN },
  { name: 'bind-mount /etc', source: DOCKER_DOCS + ' (mount)', image: 'debian', cmd: perl('sc(165, "/etc", "/mnt", 0, 4096, 0)'), refused: EPERM, control: SYS_ADMIN },
  // A fresh proc mount needs an unmasked /proc beside it (the kernel's mount_too_revealing), hence --privileged.
  { name: 'mount a new proc', source: 'CVE-2019-16884 (procfs mounted over an AppArmor/masked /proc); ' + DOCKER_DOCS, image: 'debian', cmd: perl('sc(165, "proc", "/mnt", "proc", 0, 0)'), refused: EPERM, control: { privileged: true } },
  { name: 'umount2 /etc/hostname (uncover what the runtime hid)', source: DOCKER_DOCS + ' (umount2)', image: 'debian', cmd: perl('sc(166, "/etc/hostname", 2)'), refused: EPERM, control: SYS_ADMIN },
  {
    name: 'pivot_root', source: DOCKER_DOCS + ' (pivot_root)', image: 'debian',
    cmd: perl('mkdir "/tmp/new"; eval { sc(165, "none", "/tmp/new", "tmpfs", 0, 0) }; mkdir "/tmp/new/old"; chdir "/tmp/new"; sc(155, ".", "old")'),
    // Where it works, every process of the container has the new root.
    refused: EPERM, control: SYS_ADMIN, alone: true,
  },
  { name: 'keyctl (the kernel keyring is not namespaced)', source: DOCKER_DOCS + ' (keyctl); CVE-2016-0728', image: 'debian', cmd: perl('sc(250, 0, -3, 1)'), refused: EPERM, control: UNCONFINED },
  { name: 'add_key', source: DOCKER_DOCS + ' (add_key)', image: 'debian', cmd: perl('sc(248, "user", "tspaas-probe", "secret", 6, -3)'), refused: EPERM, control: UNCONFINED },
  { name: 'request_key', source: DOCKER_DOCS + ' (request_key)', image: 'debian', cmd: perl('eval { sc(248, "user", "tspaas-probe", "secret", 6, -3) }; sc(249, "user", "tspaas-probe", 0, 0)'), refused: EPERM, control: UNCONFINED },
  {
    name: 'bpf(BPF_MAP_CREATE)', source: DOCKER_DOCS + ' (bpf)', image: 'debian',
    cmd: perl('my $a = pack("L5", 2, 4, 4, 1, 0) . ("\\0" x 100); sc(321, 0, $a, length $a)'), refused: EPERM, control: { capAdd: ['BPF'] },
  },
  {
    name: 'perf_event_open (own process, user space only)', source: DOCKER_DOCS + ' (perf_event_open)', image: 'debian',
    cmd: perl('my $a = pack("LLQQQQQ", 1, 128, 0, 0, 0, 0, 0x61) . ("\\0" x 80); sc(298, $a, 0, -1, -1, 0)'), refused: EPERM, control: { capAdd: ['PERFMON'] },
  },
  { name: 'userfaultfd', source: DOCKER_DOCS + ' (userfaultfd); used to win kernel races in exploits', image: 'debian', cmd: perl('sc(323, 1)'), refused: EPERM, control: UNCONFINED },
  {
    name: 'ptrace(PTRACE_ATTACH) of another process', source: DOCKER_DOCS + ' (ptrace); stricter than Docker: CAP_SYS_PTRACE on every kernel', image: 'debian',
    cmd: perl('my $c = fork; if (!$c) { sleep 30; POSIX::_exit(0) } my $r = syscall(101, 16, $c, 0, 0); my $e = $!; kill 9, $c; die "ERR $e\\n" if $r < 0'),
    refused: EPERM, control: { capAdd: ['SYS_PTRACE'] },
  },
  { name: 'finit_module', source: DOCKER_DOCS + ' (finit_module)', image: 'debian', cmd: perl('open(my $f, "<", "/dev/null") or die; sc(313, fileno($f), "", 0)'), refused: EPERM, control: { privileged: true }, works: PAST_FILTER },
  { name: 'init_module', source: DOCKER_DOCS + ' (init_module)', image: 'debian', cmd: perl('sc(175, "\\0" x 64, 64, "")'), refused: EPERM, control: { privileged: true }, works: PAST_FILTER },
  { name: 'kexec_load', source: DOCKER_DOCS + ' (kexec_load)', image: 'debian', cmd: perl('sc(246, 0, 0, 0, 0x12340000)'), refused: EPERM, control: { privileged: true }, works: PAST_FILTER },
  {
    name: 'open_by_handle_at (the "shocker" breakout)', source: 'shocker.c, Docker 0.11 breakout (2014, S. Krahmer); ' + DOCKER_DOCS, image: 'debian',
    cmd: perl('open(my $o, ">", "/dev/shm/f") or die; close $o; my $h = pack("Li", 128, 0) . ("\\0" x 128); my $id = pack("i", 0);'
      + ' my $f = "/dev/shm/f"; syscall(303, -100, $f, $h, $id, 0) == 0 or die "ERR $!\\n"; my $m = POSIX::open("/dev/shm", O_RDONLY); sc(304, $m, $h, 0)'),
    refused: EPERM, control: { capAdd: ['DAC_READ_SEARCH'] },
  },
  // This kernel has no /proc/sysrq-trigger (no CONFIG_MAGIC_SYSRQ); /proc/sys is the same read-only rule.
  { name: 'write /proc/sys/kernel (hostname, written back unchanged)', source: 'Docker\'s read-only /proc paths (moby oci/defaults.go: /proc/sys, /proc/sysrq-trigger)', image: 'busybox', cmd: util('v=$(cat /proc/sys/kernel/hostname) && echo $v > /proc/sys/kernel/hostname'), refused: EROFS, control: { privileged: true } },
  { name: 'write /proc/sys (net.ipv4.ip_forward, written back unchanged)', source: 'Docker\'s read-only /proc/sys (moby oci/defaults.go)', image: 'busybox', cmd: util('v=$(cat /proc/sys/net/ipv4/ip_forward) && echo $v > /proc/sys/net/ipv4/ip_forward'), refused: EROFS, control: { privileged: true } },
  { name: 'write /sys (lo\'s mtu, written back unchanged)', source: 'Docker mounts /sys read-only (moby oci/defaults.go)', image: 'busybox', cmd: util('v=$(cat /sys/class/net/lo/mtu) && echo $v > /sys/class/net/lo/mtu'), refused: EROFS, control: { privileged: true } },
  { name: 'mknod a block device (the host\'s disk, 8:0)', source: 'Docker\'s device cgroup docs; tspaas drops CAP_MKNOD too', image: 'busybox', cmd: util('mknod /tmp/sda b 8 0'), refused: EPERM, control: { capAdd: ['MKNOD'] } },
  { name: 'raw AF_PACKET socket in an app container (NET_RAW dropped)', source: 'issue 13 ("app containers drop NET_RAW"); CVE-2020-14386 (AF_PACKET)', image: 'debian', hardened: { capDrop: [...APP_CAP_DROP] }, cmd: perl('socket(my $s, 17, 3, 0) or die "ERR $!\\n"'), refused: EPERM, control: {} },
  { name: 'raw ICMP socket in an app container (NET_RAW dropped)', source: 'issue 13; packet forging needs SOCK_RAW', image: 'debian', hardened: { capDrop: [...APP_CAP_DROP] }, cmd: perl('socket(my $s, 2, 3, 1) or die "ERR $!\\n"'), refused: EPERM, control: {} },
  {
    name: 'a setuid-root binary run by nobody gains nothing under no-new-privileges', source: 'Linux no_new_privs (Documentation/userspace-api/no_new_privs.rst); Docker --security-opt no-new-privileges', image: 'debian',
    cmd: ['sh', '-c', 'cp /usr/bin/id /tmp/id && chmod 4755 /tmp/id && setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/id -u'],
    refused: /^65534$/m, control: { securityOpt: ['no-new-privileges=false'] }, works: /^0$/m,
  },
  { name: 'syslog (read the host\'s kernel log)', source: DOCKER_DOCS + ' (syslog)', image: 'busybox', cmd: util('dmesg > /dev/null'), refused: EPERM, control: { capAdd: ['SYSLOG'] } },
  { name: 'io_uring_setup (a way around seccomp)', source: 'moby/moby#46762 (io_uring blocked by default)', image: 'debian', cmd: perl('sc(425, 1, "\\0" x 120)'), refused: EPERM, control: UNCONFINED },
  // Issue 13's own report: a new user namespace gives every capability in it, so a tmpfs mount worked.
  {
    name: 'unshare -U -r, then mount a tmpfs inside the new user namespace', source: 'issue 13 (the reported escape: tmpfs mounts after unshare -U -r); ' + DOCKER_DOCS + ' (unshare, mount)', image: 'debian',
    cmd: ['unshare', '-U', '-r', '-m', ...perl('sc(165, "none", "/mnt", "tmpfs", 0, 0)')], refused: EPERM, control: UNCONFINED,
  },
  {
    name: 'sethostname (hostname written back unchanged)', source: 'capabilities(7) (CAP_SYS_ADMIN: sethostname); Docker\'s default capability set', image: 'debian',
    cmd: perl('open(my $f, "<", "/proc/sys/kernel/hostname") or die; my $h = <$f>; chomp $h; sc(170, $h, length $h)'), refused: EPERM, control: SYS_ADMIN,
  },
  {
    name: 'mkdir a child cgroup (first step of the release_agent breakout)', source: 'CVE-2022-0492 (cgroup v1 release_agent); Docker mounts /sys/fs/cgroup read-only', image: 'busybox',
    cmd: util('d=/sys/fs/cgroup/memory; [ -d $d ] || d=/sys/fs/cgroup; mkdir $d/tspaas-probe && rmdir $d/tspaas-probe'), refused: EROFS, control: { privileged: true },
  },
  {
    name: 'raise its own memory limit (written back unchanged)', source: 'Docker mounts /sys/fs/cgroup read-only; issue 13 part 4 (plans bound memory)', image: 'busybox',
    cmd: util('f=/sys/fs/cgroup/memory/memory.limit_in_bytes; [ -e $f ] || f=/sys/fs/cgroup/memory.max; v=$(cat $f) && echo $v > $f'), refused: EROFS, control: { privileged: true },
  },
  {
    name: 'read /proc/timer_list (masked: host timers and pids)', source: 'Docker\'s masked paths (moby oci/defaults.go: /proc/timer_list)', image: 'busybox',
    cmd: ['sh', '-c', 'head -c 1 /proc/timer_list | wc -c'], refused: /^\s*0$/m, control: { privileged: true }, works: /^\s*1$/m,
  },
  {
    name: 'list /sys/firmware (masked: the host\'s ACPI tables)', source: 'Docker\'s masked paths (moby oci/defaults.go: /sys/firmware)', image: 'busybox',
    cmd: ['sh', '-c', 'ls /sys/firmware | wc -l'], refused: /^\s*0$/m, control: { privileged: true }, works: /^\s*[1-9]\d*$/m,
  },
];

/**
 * Run every probe of `probes` in containers made with `optsOf(probe)`; what
 * each printed (stdout and stderr, trimmed), in the order of `probes`.
 * Probes with the same image and options share one container, in turn (a
 * `probeScript`, as a tenant would try them), so a whole list costs a
 * handful of containers; a probe marked `alone` gets its own.
 */
export async function runProbes(engine: Engine, debianImage: string, probes: Probe[], optsOf: (p: Probe) => Partial<CreateOptions>): Promise<string[]> {
  const groups = new Map<string, number[]>();
  probes.forEach((p, i) => {
    const key = p.alone ? `alone ${i}` : `${p.image} ${JSON.stringify(optsOf(p))}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out: string[] = [];
  await Promise.all([...groups.values()].map(async (members) => {
    const first = probes[members[0]];
    const image = first.image === 'debian' ? debianImage : 'busybox';
    const r = await runToEnd(engine, { image, cmd: ['sh', '-c', probeScript(members.map((i) => probes[i].cmd))], ...optsOf(first) });
    const each = parseProbeRun(r.stdout + r.stderr, members.length);
    members.forEach((i, k) => { out[i] = each[k]; });
  }));
  return out;
}

/** `arg` quoted for /bin/sh. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const MARK = '::probe';

/**
 * One shell script that runs every probe in turn (each in a subshell, its
 * stderr with its stdout) between markers, then prints `::probe done`: how a
 * tenant tries them all from one container. `parseProbeRun` splits its output.
 */
export function probeScript(cmds: string[][]): string {
  const steps = cmds.map((cmd, i) => `echo ${MARK} ${i}; (${cmd.map(shellQuote).join(' ')}) 2>&1`);
  return [...steps, `echo ${MARK} done`].join('\n');
}

/** What each probe of a `probeScript` printed (trimmed), by index; throws when the run did not reach its end. */
export function parseProbeRun(output: string, count: number): string[] {
  const parts = output.replace(/\r/g, '').split(new RegExp(`^${MARK} `, 'm'));
  const got = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    got.set(nl < 0 ? part.trim() : part.slice(0, nl).trim(), nl < 0 ? '' : part.slice(nl + 1).trim());
  }
  if (!got.has('done')) throw new Error(`the probe script did not finish; it printed:\n${output.slice(-2000)}`);
  return Array.from({ length: count }, (_, i) => got.get(String(i)) ?? '(no output: the probe did not run)');
}
