/**
 * Syscalls Node has no binding for — mount(2), umount2(2), the new mount API
 * (idmapped mounts), unshare(2) for network namespaces and the btrfs
 * subvolume and qgroup ioctls — made by resident Perl processes instead of
 * one mount(8), umount(8), unshare(1) or btrfs(8) run per call: a container
 * start and removal needed six such runs (10–20 ms each on a 2-core host),
 * now each is a write to a pipe and a syscall.
 *
 * perl-base is Essential on Debian, so every host the engine supports has
 * it, with POSIX; the syscall and ioctl numbers are x86_64's.
 *
 * Each helper does one request at a time; calls go to an idle helper, a new
 * one while there are fewer than `MAX_HELPERS`, else the least busy. A
 * helper lives until its stdin closes (the engine's process ends) and is
 * replaced when it dies: its pending calls fail with `Unavailable`.
 *
 * Protocol (private to this file): a request is its byte length, a newline,
 * then NUL-separated fields (operation, cwd, arguments); the answer is one
 * line, `OK` or `ERR <errno> <message>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { unavailable } from './errors.js';

/** A failed syscall: `code` is the errno's name (as Node's fs errors have), `errno` its number. */
export class SyscallError extends Error {
  constructor(message: string, readonly errno: number, readonly code: string) {
    super(message);
    this.name = 'SyscallError';
  }
}

/** mount(2) flags by mount(8) option name (the ones bind and overlay mounts use). */
export const MOUNT_FLAGS: Record<string, number> = {
  ro: 0x1, nosuid: 0x2, nodev: 0x4, noexec: 0x8, sync: 0x10, noatime: 0x400, nodiratime: 0x800, relatime: 0x200000, strictatime: 0x1000000,
};
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
/** umount2(2): detach now, clean up when no longer busy (umount -l). */
export const MNT_DETACH = 0x2;

const PROGRAM = String.raw`
use strict; use warnings; use POSIX (); use Fcntl qw(O_RDONLY O_DIRECTORY);
$| = 1; binmode STDIN; binmode STDOUT;
# die with [errno, message]; $! read before anything can change it.
sub fail { my $e = $! + 0; my $m = "$!"; die [$e, "$_[0]: $m"] }
sub op_mount {
  my ($src, $tgt, $type, $flags, $data) = @_;
  syscall(165, $src, $tgt, $type, $flags + 0, $data) == 0 or fail "mount $tgt";
}
sub op_umount {
  my ($tgt, $flags) = @_;
  syscall(166, $tgt, $flags + 0) == 0 or fail "umount $tgt";
}
# A child in a fresh namespace of type $flag that runs $setup, reports, and waits to be let go.
sub with_child_ns {
  my ($flag, $setup, $use) = @_;
  pipe(my $ready_r, my $ready_w) or fail 'pipe';
  pipe(my $hold_r, my $hold_w) or fail 'pipe';
  my $pid = fork() // fail 'fork';
  if ($pid == 0) {
    close $ready_r; close $hold_w;
    syscall(272, $flag) == 0 or POSIX::_exit(2);
    $setup->() or POSIX::_exit(3);
    syswrite $ready_w, 'x'; close $ready_w;
    sysread $hold_r, my $b, 1; POSIX::_exit(0);
  }
  close $ready_w; close $hold_r;
  my $ok = eval {
    sysread($ready_r, my $b, 1) == 1 or die [1, 'the namespace could not be made (unshare or its set-up failed in the helper\'s child)'];
    $use->($pid); 1 };
  my $err = $@;
  close $hold_w; close $ready_r; waitpid($pid, 0);
  die $err unless $ok;
}
# A user namespace with these maps, as an open fd on it: made once per pair of maps by a child that
# unshares it and exits; the fd keeps the namespace alive. At most 64 are kept (then all are let go).
my %userns;
sub userns_of {
  my ($uidmap, $gidmap) = @_;
  my $key = "$uidmap|$gidmap";
  return $userns{$key} if $userns{$key};
  %userns = () if keys(%userns) >= 64;
  my $ns;
  with_child_ns(0x10000000, sub { 1 }, sub {
    my ($pid) = @_;
    for (['uid_map', $uidmap], ['gid_map', $gidmap]) {
      open(my $f, '>', "/proc/$pid/$_->[0]") or fail "open $_->[0]";
      syswrite($f, $_->[1]) or fail "write $_->[0]"; close $f or fail "write $_->[0]";
    }
    open($ns, '<', "/proc/$pid/ns/user") or fail 'open the user namespace';
  });
  return $userns{$key} = $ns;
}
# Overlay on $target over idmapped clones of the lower dirs (argument pairs: layer dir, scratch dir).
sub op_idmap {
  my ($uidmap, $gidmap, $target, $data, @pairs) = @_;
  my $ns = userns_of($uidmap, $gidmap);
  my @done;
  my $ok = eval {
    while (@pairs) {
      my ($src, $dst) = splice(@pairs, 0, 2);
      my $fd = syscall(428, -100, $src, 1 | 0x80000);
      fail "open_tree $src" if $fd < 0;
      my ($e1, $e2) = ('', '');
      my $attr = pack('QQQQ', 0x00100000, 0, 0, fileno($ns));
      my $step = syscall(442, $fd, $e1, 0x1000, $attr, 32) == 0 ? (syscall(429, $fd, $e2, -100, $dst, 4) == 0 ? '' : "move_mount $dst") : "mount_setattr(MOUNT_ATTR_IDMAP) $src";
      my ($e, $m) = ($! + 0, "$!");
      syscall(3, $fd);
      die [$e, "$step: $m"] if $step;
      push @done, $dst;
    }
    my ($t1, $t2) = ('overlay', 'overlay');
    syscall(165, $t1, $target, $t2, 0, $data) == 0 or fail "mount overlay on $target";
    1 };
  my $err = $@;
  # overlayfs holds private clones of its layers: the scratch mounts go either way
  for my $d (@done) {
    next if syscall(166, $d, 2) == 0;
    ($ok, $err) = (0, [$! + 0, "umount $d: $!"]) if $ok;
  }
  die $err unless $ok;
}
# A network namespace bound on $file: IPv6 off (a kernel without IPv6 has nothing to turn off), lo up.
sub op_netns {
  my ($file) = @_;
  my $setup = sub {
    for my $f ('/proc/sys/net/ipv6/conf/default/disable_ipv6', '/proc/sys/net/ipv6/conf/all/disable_ipv6') {
      next unless -e $f;
      open(my $h, '>', $f) or return 0; syswrite($h, "1\n") or return 0; close $h or return 0;
    }
    # SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP, on an AF_INET datagram socket
    socket(my $s, 2, 2, 0) or return 0;
    my $ifr = pack('a16 x24', 'lo');
    ioctl($s, 0x8913, $ifr) or return 0;
    my ($flags) = unpack('x16 S', $ifr);
    $ifr = pack('a16 S x22', 'lo', $flags | 1);
    ioctl($s, 0x8914, $ifr) or return 0;
    close $s;
    1 };
  with_child_ns(0x40000000, $setup, sub {
    my ($pid) = @_;
    my ($src, $none) = ("/proc/$pid/ns/net", '');
    syscall(165, $src, $file, $none, 0x1000, $none) == 0 or fail "bind the network namespace on $file";
  });
}
# A btrfs subvolume at $dir with mode $mode, its qgroup limited to $bytes referenced (0 = no limit).
sub op_subvol {
  my ($dir, $mode, $bytes) = @_;
  my ($parent, $name) = $dir =~ m{^(.*)/([^/]+)$} or die [22, "not an absolute path: $dir"];
  die [36, "name too long: $name"] if length($name) > 4087;
  sysopen(my $p, $parent eq '' ? '/' : $parent, O_RDONLY | O_DIRECTORY) or fail "open $parent";
  my $args = pack('q', 0) . pack('a4088', $name);
  ioctl($p, 0x5000940E, $args) or fail "create the subvolume $dir";
  close $p;
  chmod(oct($mode), $dir) or fail "chmod $dir";
  return if $bytes eq '0';
  sysopen(my $s, $dir, O_RDONLY | O_DIRECTORY) or fail "open $dir";
  my $limit = pack('QQQQQQ', 0, 1, $bytes, 0, 0, 0);
  ioctl($s, 0x8030942B, $limit) or fail "limit the qgroup of $dir";
  close $s;
}
my %ops = (mount => \&op_mount, umount => \&op_umount, idmap => \&op_idmap, netns => \&op_netns, subvol => \&op_subvol);
while (defined(my $len = <STDIN>)) {
  chomp $len;
  my $buf = '';
  while (length($buf) < $len) { my $n = read(STDIN, $buf, $len - length($buf), length($buf)); exit 0 unless $n; }
  my ($op, $cwd, @args) = split /\0/, $buf, -1;
  my $ok = eval {
    my $f = $ops{$op} or die [22, "unknown operation $op"];
    chdir($cwd eq '' ? '/' : $cwd) or fail "chdir $cwd";
    $f->(@args); 1 };
  my $err = $@;
  chdir '/';
  if ($ok) { print "OK\n"; next }
  my ($n, $m) = ref $err eq 'ARRAY' ? @$err : (0, "$err");
  $m =~ s/\s+/ /g;
  print "ERR $n $m\n";
}
`;

/** At most this many helpers at once (calls beyond queue on the least busy). */
export const MAX_HELPERS = 4;

const ERRNO_NAMES = new Map(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

class Helper {
  readonly child: ChildProcess;
  readonly pending: Pending[] = [];
  dead = false;
  private out = '';
  private err = '';

  constructor(onDeath: (h: Helper) => void) {
    this.child = spawn('perl', ['-e', PROGRAM], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.read(s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => { this.err = (this.err + s).slice(-2000); });
    this.child.stdin!.on('error', () => { /* reported by the exit */ });
    const die = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      onDeath(this);
      const e = unavailable(`the syscall helper (perl) ${why}${this.err.trim() ? `: ${this.err.trim()}` : ''}`);
      for (const p of this.pending.splice(0)) p.reject(e);
    };
    this.child.on('error', (e) => die(`could not run: ${e.message}`));
    this.child.on('exit', (code, signal) => die(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    this.hold(false);
  }

  call(fields: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.hold(true);
      const body = Buffer.from(fields.join('\0'));
      this.child.stdin!.write(`${body.length}\n`);
      this.child.stdin!.write(body);
    });
  }

  private read(s: string): void {
    this.out += s;
    for (let nl = this.out.indexOf('\n'); nl >= 0; nl = this.out.indexOf('\n')) {
      const line = this.out.slice(0, nl);
      this.out = this.out.slice(nl + 1);
      const p = this.pending.shift();
      if (!p) continue;
      if (this.pending.length === 0) this.hold(false);
      if (line === 'OK') { p.resolve(); continue; }
      const m = /^ERR (\d+) (.*)$/.exec(line);
      const errno = Number(m?.[1] ?? 0);
      p.reject(new SyscallError(m?.[2] ?? line, errno, ERRNO_NAMES.get(errno) ?? 'EUNKNOWN'));
    }
  }

  /** Keep the process alive while a call is pending, never because of an idle helper. */
  private hold(busy: boolean): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref?(): void; unref?(): void } | null>) {
      if (busy) s?.ref?.(); else s?.unref?.();
    }
    if (busy) this.child.ref(); else this.child.unref();
  }
}

const helpers: Helper[] = [];

function helper(): Helper {
  const idle = helpers.find((h) => h.pending.length === 0);
  if (idle) return idle;
  if (helpers.length < MAX_HELPERS) {
    const h = new Helper((gone) => { const i = helpers.indexOf(gone); if (i >= 0) helpers.splice(i, 1); });
    helpers.push(h);
    return h;
  }
  return helpers.reduce((a, b) => (b.pending.length < a.pending.length ? b : a));
}

/** Pids of the helpers alive now (for tests and diagnostics). */
export function helperPids(): number[] {
  return helpers.filter((h) => !h.dead && h.child.pid !== undefined).map((h) => h.child.pid!);
}

function call(op: string, cwd: string | undefined, args: Array<string | number>): Promise<void> {
  const fields = [op, cwd ?? '', ...args.map(String)];
  if (fields.some((f) => f.includes('\0'))) return Promise.reject(new SyscallError(`${op}: an argument holds a NUL byte`, 22, 'EINVAL'));
  return helper().call(fields);
}

/** mount(2); `cwd` is where relative paths in `data` (overlay lower dirs) resolve. */
export function mount(source: string, target: string, type: string, flags: number, data: string, cwd?: string): Promise<void> {
  return call('mount', cwd, [source, target, type, flags, data]);
}

/** umount2(2) with `flags` (e.g. MNT_DETACH). */
export function umount(target: string, flags = 0): Promise<void> {
  return call('umount', undefined, [target, flags]);
}

/**
 * An overlay on `target` whose lower dirs are idmapped clones: `pairs` are
 * (layer dir, scratch dir); `uidMap`/`gidMap` as /proc/<pid>/uid_map takes
 * them. The clones are detached once the overlay holds them.
 */
export function idmappedOverlay(uidMap: string, gidMap: string, target: string, data: string, pairs: string[], cwd?: string): Promise<void> {
  return call('idmap', cwd, [uidMap, gidMap, target, data, ...pairs]);
}

/** A new network namespace bound on the existing file `file`: IPv6 off, `lo` up (what CNI's loopback plugin does), nothing else. */
export function bindNewNetns(file: string): Promise<void> {
  return call('netns', undefined, [file]);
}

/** A btrfs subvolume at `dir` (absolute; its parent on btrfs) with `mode`, its qgroup limited to `bytes` referenced (0 = none). */
export function btrfsSubvolume(dir: string, mode: number, bytes: number): Promise<void> {
  return call('subvol', undefined, [dir, mode.toString(8), Math.max(0, Math.floor(bytes))]);
}
