#!/usr/bin/env bash
# Put a directory on a filesystem that can bound disk per directory (part 5
# of issue 13, docs/engine.md "Disk quotas"): the engine's storage needs XFS
# mounted with prjquota (Docker overlay2's way) or btrfs with quotas on. When
# the host's own filesystem is neither, a sparse image file is made next to
# the directory, formatted (XFS when this kernel can mount it with prjquota,
# else btrfs) and loop-mounted on the directory. Idempotent: an existing
# image is reused and only mounted again (after a reboot); a directory that
# already has quotas is left alone. What the directory held before moves
# into the new filesystem (the old copy is kept as <dir>.pre-quota).
#
#   bash scripts/quota-store.sh [--own] <dir> [image]     image default: <dir>.img
#
# --own: a filesystem of the directory's own even when where it lives has
# quotas already (tests and benchmarks that measure free space, which other
# writers on a shared filesystem would disturb).
#
# Knobs: TSPAAS_STORAGE_SIZE   image size (e.g. 200G; default 40 % of the free space
#                              where the image lives, at least 10G; sparse)
#        TSPAAS_STORAGE_FS      xfs or btrfs: that filesystem or an error (default: XFS when it can, else btrfs)
#        TSPAAS_SETUP_DRY_RUN=1  say what would be done, change nothing
set -euo pipefail

OWN=0
if [ "${1:-}" = --own ]; then OWN=1; shift; fi
DIR=${1:?usage: quota-store.sh [--own] <dir> [image]}
DIR=${DIR%/}
IMAGE=${2:-$DIR.img}
DRY_RUN=${TSPAAS_SETUP_DRY_RUN:-0}
say() { echo "quota-store: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The filesystem type of a mounted directory, and whether it bounds dirs.
fs_type() { findmnt -n -o FSTYPE --target "$1" 2>/dev/null || true; }
has_quota() {
  case "$(fs_type "$1")" in
    xfs) findmnt -n -o OPTIONS --target "$1" | tr , '\n' | grep -qxE 'prjquota|pquota' ;;
    btrfs) btrfs qgroup show "$1" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# Mount the image on $1 with quotas on (the image's filesystem decides how).
mount_image() {
  case "$(blkid -o value -s TYPE "$IMAGE" 2>/dev/null || true)" in
    xfs) mount -o loop,prjquota,discard "$IMAGE" "$1" ;;
    btrfs) mount -o loop "$IMAGE" "$1" && btrfs quota enable "$1" ;;
    *) return 1 ;;
  esac
}

# A sparse image: XFS if this kernel mounts it with prjquota, else btrfs.
make_image() {
  local size=${TSPAAS_STORAGE_SIZE:-} free probe
  if [ -z "$size" ]; then
    free=$(df -B1G --output=avail "$(dirname "$IMAGE")" | tail -1 | tr -d ' ')
    size=$(( free * 2 / 5 > 10 ? free * 2 / 5 : 10 ))G
  fi
  say "creating a $size sparse image $IMAGE"
  truncate -s "$size" "$IMAGE"
  probe=$(mktemp -d)
  if [ "${TSPAAS_STORAGE_FS:-}" != btrfs ] && command -v mkfs.xfs >/dev/null && mkfs.xfs -q -f "$IMAGE" && mount -o loop,prjquota "$IMAGE" "$probe" 2>/dev/null; then
    umount "$probe"
    say "formatted XFS (project quotas)"
  elif [ "${TSPAAS_STORAGE_FS:-}" = xfs ]; then
    rmdir "$probe"; rm -f "$IMAGE"; die "TSPAAS_STORAGE_FS=xfs, but this kernel cannot mount XFS with prjquota (CONFIG_XFS_QUOTA) or mkfs.xfs is missing"
  else
    command -v mkfs.btrfs >/dev/null || { rmdir "$probe"; rm -f "$IMAGE"; die "this kernel cannot mount XFS with prjquota and mkfs.btrfs is missing (apt-get install btrfs-progs)"; }
    mkfs.btrfs -q -f "$IMAGE" >/dev/null
    say "this kernel has no XFS project quotas (CONFIG_XFS_QUOTA): formatted btrfs (qgroups)"
  fi
  rmdir "$probe"
}

if [ -d "$DIR" ] && mountpoint -q "$DIR"; then
  has_quota "$DIR" && exit 0
  die "$DIR is a $(fs_type "$DIR") mount without quotas: remount it with prjquota (XFS) or run btrfs quota enable, or unmount it"
fi
existing=$DIR; [ -d "$existing" ] || existing=$(dirname "$DIR")
if [ "$OWN" = 0 ] && [ -d "$existing" ] && has_quota "$existing"; then
  say "$existing is already on $(fs_type "$existing") with quotas; nothing to mount"
  exit 0
fi
if [ "$DRY_RUN" = 1 ]; then say "would mount $IMAGE (made if missing) on $DIR with quotas"; exit 0; fi
mkdir -p "$DIR" "$(dirname "$IMAGE")"
[ -e "$IMAGE" ] || make_image

if [ -n "$(ls -A "$DIR")" ]; then
  # Existing data: never hidden under the mount; it moves into the image.
  if grep -q " $DIR/" /proc/self/mounts; then
    die "$DIR holds data and mounts (containers running?): stop tspaas, then run this again to move it onto the quota filesystem"
  fi
  staging=$(mktemp -d)
  mount_image "$staging" || die "cannot mount $IMAGE"
  say "moving what $DIR holds into $IMAGE (the old copy stays in $DIR.pre-quota)"
  cp -a "$DIR/." "$staging/"
  umount "$staging" && rmdir "$staging"
  mv "$DIR" "$DIR.pre-quota"
  mkdir -p "$DIR"
fi
mount_image "$DIR" || die "cannot mount $IMAGE on $DIR"
has_quota "$DIR" || die "$DIR is mounted but reports no quotas"
say "$DIR: $(fs_type "$DIR") with quotas, from $IMAGE"
