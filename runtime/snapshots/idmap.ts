/**
 * Idmapped overlay mounts (issue 13, part 2: user namespaces).
 *
 * A container in a user namespace must see its image's files owned by its
 * own root, while the layers stay shared and unchanged on disk. The kernel
 * does this with *idmapped mounts* (Linux 5.12+; overlayfs over idmapped
 * lower layers since 5.19): each lower dir is cloned (`open_tree`), given
 * the container's id mapping (`mount_setattr(MOUNT_ATTR_IDMAP)` with a user
 * namespace that has the mapping), attached under a scratch dir
 * (`move_mount`), and the overlay is mounted over those clones. overlayfs
 * keeps private clones of its layers, so the scratch mounts are detached
 * right after: nothing stays to clean up but the overlay itself.
 *
 * The upper dir is not idmapped: it holds host ids (the container's root
 * writes as host uid 100000, say), like podman's upper dirs; packing and
 * extracting shift owners (archive/owners.ts).
 *
 * Node cannot make these syscalls and util-linux 2.38's mount(8) has no
 * `X-mount.idmap` (2.39 has), so a short Perl program does them with
 * `syscall()` — perl-base is Essential on Debian, so it is on every host the
 * engine supports. The numbers are x86_64's.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { unavailable } from '../../lib/errors.js';
import type { IdMaps, IdMapping } from '../archive/owners.js';
import type { Mount } from './types.js';

/**
 * argv: uid_map, gid_map (as /proc/<pid>/uid_map lines), target, overlay
 * data, then pairs of (layer dir, scratch dir). A child unshares a user
 * namespace, the parent writes its maps and takes its ns fd; each layer is
 * cloned, idmapped and attached; the overlay is mounted; the scratch mounts
 * are detached. Any failure undoes the attached ones and exits 1 naming the step.
 */
const IDMAP_PERL = String.raw`
use strict; use warnings;
my ($uidmap, $gidmap, $target, $data, @pairs) = @ARGV;
my @done;
sub undo { for (@done) { my $d = $_; syscall(166, $d, 2); } }
sub fail { my $m = "$_[0]: $!"; undo(); print STDERR "$m\n"; exit 1 }
pipe(my $ready_r, my $ready_w) or fail 'pipe';
pipe(my $hold_r, my $hold_w) or fail 'pipe';
my $pid = fork() // fail 'fork';
if ($pid == 0) {
  close $ready_r; close $hold_w;
  syscall(272, 0x10000000) == 0 or exit 2;
  syswrite $ready_w, 'x'; close $ready_w;
  sysread $hold_r, my $b, 1; exit 0;
}
close $ready_w; close $hold_r;
sysread($ready_r, my $b, 1) == 1 or fail 'unshare(CLONE_NEWUSER)';
for (['uid_map', $uidmap], ['gid_map', $gidmap]) {
  open(my $f, '>', "/proc/$pid/$_->[0]") or fail "open $_->[0]";
  syswrite($f, $_->[1]) or fail "write $_->[0]"; close $f or fail "write $_->[0]";
}
open(my $ns, '<', "/proc/$pid/ns/user") or fail 'open the user namespace';
while (@pairs) {
  my ($src, $dst) = splice(@pairs, 0, 2);
  my $fd = syscall(428, -100, $src, 1 | 0x80000);
  fail "open_tree $src" if $fd < 0;
  my ($e1, $e2) = ('', '');
  my $attr = pack('QQQQ', 0x00100000, 0, 0, fileno($ns));
  syscall(442, $fd, $e1, 0x1000, $attr, 32) == 0 or fail "mount_setattr(MOUNT_ATTR_IDMAP) $src";
  syscall(429, $fd, $e2, -100, $dst, 4) == 0 or fail "move_mount $dst";
  push @done, $dst;
  syscall(3, $fd);
}
my ($t1, $t2) = ('overlay', 'overlay');
syscall(165, $t1, $target, $t2, 0, $data) == 0 or fail "mount overlay on $target";
for (@done) { my $d = $_; syscall(166, $d, 2) == 0 or fail "umount $d"; }
@done = ();
close $hold_w; waitpid($pid, 0);
`;

/** `0 100000 65536\n…`: a map as /proc/<pid>/uid_map takes it. */
export function mapLines(map: IdMapping[]): string {
  return map.map((m) => `${m.containerId} ${m.hostId} ${m.size}\n`).join('');
}

/**
 * Mount an overlay `m` at `target` with every lower dir idmapped by `maps`;
 * `scratch` is a dir of this container's own for the transient mounts.
 * `fit` turns the option list into the kernel's string (and a cwd for very
 * deep chains), as mount.ts does for plain overlays. The caller makes sure
 * nothing is mounted under `scratch` (a stale clone).
 */
export async function mountIdmappedOverlay(
  m: Mount, target: string, maps: IdMaps, scratch: string,
  fit: (options: string[]) => { options: string; cwd?: string },
): Promise<void> {
  const i = m.options.findIndex((o) => o.startsWith('lowerdir='));
  const lowers = m.options[i].slice('lowerdir='.length).split(':');
  const clones = lowers.map((_, n) => path.join(scratch, String(n)));
  for (const dir of clones) await fsp.mkdir(dir, { recursive: true });
  const options = [...m.options];
  options[i] = `lowerdir=${clones.join(':')}`;
  const { options: data, cwd } = fit(options);
  const pairs = lowers.flatMap((l, n) => [l, clones[n]]);
  const res = await run('perl', ['-e', IDMAP_PERL, mapLines(maps.uidMap), mapLines(maps.gidMap), target, data, ...pairs], { cwd, allowFailure: true });
  if (res.code !== 0) throw unavailable(`idmapped mount of ${target} failed: ${res.stderr.trim() || `exit code ${res.code}`}`);
}
