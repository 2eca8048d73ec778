#!/usr/bin/env bash
# Install what is missing for tspaas on a Debian 12 host, build it, and
# prepare the host (ip_forward, cgroup hybrid quirk, overlay). Idempotent and
# non-interactive; when nothing is missing it only checks, in about a second.
#
#   bash scripts/setup.sh          # what the platform needs
#   bash scripts/setup.sh --test   # plus the test-only extras (podman, skopeo, umoci, registry, nginx, docker-compose, chromium)
#
# Knobs (environment):
#   TSPAAS_SETUP_EXTRA_PACKAGES  more Debian packages to require (space-separated)
#   TSPAAS_SETUP_DRY_RUN=1       report what would be installed/built, change nothing
#   TSPAAS_SETUP_SKIP_HOST=1     skip host preparation
#   TSPAAS_STORAGE=off           leave the engine's storage where it is, unbounded (no quota mount)
#   TSPAAS_STORAGE_SIZE          size of the quota image (scripts/quota-store.sh; default 40 % of the free disk)
#   TSPAAS_NODE_MIRROR           where to get Node.js when Debian's is too old (default https://nodejs.org/dist)
#   TSPAAS_SETUP_NODE_MIN        oldest acceptable Node.js (default 20.19.0)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
export DEBIAN_FRONTEND=noninteractive
exec </dev/null

# Debian packages the platform and the engine use at run time.
BASE_PACKAGES=(
  crun runc conmon containernetworking-plugins iptables iproute2 kmod procps
  busybox-static mmdebstrap git postgresql redis-server
  golang-github-containers-common python3-seccomp attr tmux ca-certificates
  pigz zstd tar catatonit publicsuffix
  xfsprogs btrfs-progs
)
# Interop peers used only by the tests and the benchmark. docker-compose (1.29, a
# Docker client the engine is measured by) comes without docker.io: apt_install
# passes --no-install-recommends. chromium is the browser the dashboard tests drive
# (playwright-core, test/helpers/browser.ts).
TEST_PACKAGES=(podman skopeo umoci docker-registry apache2-utils openssl nginx docker-compose chromium)
# Oldest Node.js the dependencies accept (ava 7, eslint 10: ^20.19).
NODE_MIN=${TSPAAS_SETUP_NODE_MIN:-20.19.0}
# Node.js line installed from nodejs.org when Debian's own is too old.
NODE_MAJOR=22
NODE_MIRROR=${TSPAAS_NODE_MIRROR:-https://nodejs.org/dist}

WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "setup: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
DRY_RUN=${TSPAAS_SETUP_DRY_RUN:-0}
START=$(date +%s%N)

say() { echo "setup: $*" >&2; }
die() { say "error: $*"; exit 1; }
# Run a changing command, or only print it in a dry run.
act() { if [ "$DRY_RUN" = 1 ]; then say "would run: $*"; else "$@"; fi; }

[ "$(id -u)" = 0 ] || die "run as root (the engine needs it)"
[ -r /etc/debian_version ] || die "not a Debian host"
case "$(cat /etc/debian_version)" in 12*|bookworm*) ;; *) say "warning: tested on Debian 12, this is $(cat /etc/debian_version)" ;; esac

# One setup at a time (up.sh and test.sh may run side by side).
mkdir -p /run/lock
exec 9>/run/lock/tspaas-setup.lock
flock 9

# ---- Debian packages -------------------------------------------------------

# Print the names among "$@" that are not installed, one per line.
missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null | awk '$2 == "ii" { print $1 }' || true)
  local p
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

APT_UPDATED=0
# apt-get install the given packages, updating the lists once per run.
apt_install() {
  [ $# -gt 0 ] || return 0
  if [ "$APT_UPDATED" = 0 ]; then
    act apt-get update -q || die "apt-get update failed"
    APT_UPDATED=1
  fi
  act apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" \
    || die "apt-get install $* failed"
}

# True when `node` exists and is at least $NODE_MIN.
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local v
  v=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  dpkg --compare-versions "$v" ge "$NODE_MIN" && command -v npm >/dev/null 2>&1
}

# Install Node.js: Debian's when new enough, else the official build into /usr/local.
install_node() {
  local candidate
  candidate=$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ { print $2 }')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && dpkg --compare-versions "${candidate#*:}" ge "$NODE_MIN"; then
    say "installing nodejs $candidate from apt"
    apt_install nodejs
    command -v npm >/dev/null 2>&1 || apt_install npm
    return
  fi
  local arch
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64 ;; arm64) arch=arm64 ;; ppc64el) arch=ppc64le ;; s390x) arch=s390x ;;
    *) die "no Node.js >= $NODE_MIN for $(dpkg --print-architecture); install it and rerun" ;;
  esac
  say "Debian's nodejs (${candidate:-none}) is older than $NODE_MIN: installing Node.js $NODE_MAJOR from $NODE_MIRROR"
  # shellcheck disable=SC2046
  apt_install $(missing_packages curl xz-utils ca-certificates)
  [ "$DRY_RUN" = 1 ] && return
  local base="$NODE_MIRROR/latest-v$NODE_MAJOR.x" tmp file
  tmp=$(mktemp -d)
  curl -fsSL "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt" || die "cannot reach $base"
  file=$(awk -v a="linux-$arch.tar.xz" '$2 ~ a"$" { print $2; exit }' "$tmp/SHASUMS256.txt")
  [ -n "$file" ] || die "no linux-$arch build listed in $base/SHASUMS256.txt"
  curl -fsSL "$base/$file" -o "$tmp/$file" || die "download of $file failed"
  (cd "$tmp" && grep " $file\$" SHASUMS256.txt | sha256sum -c --quiet -) || die "checksum of $file does not match"
  tar -xJf "$tmp/$file" -C /usr/local --strip-components=1 --no-same-owner \
    --exclude=CHANGELOG.md --exclude=LICENSE --exclude=README.md
  rm -rf "$tmp"
  hash -r
}

packages=("${BASE_PACKAGES[@]}")
[ "$WITH_TEST" = 1 ] && packages+=("${TEST_PACKAGES[@]}")
# shellcheck disable=SC2206
[ -n "${TSPAAS_SETUP_EXTRA_PACKAGES:-}" ] && packages+=(${TSPAAS_SETUP_EXTRA_PACKAGES})
mapfile -t missing < <(missing_packages "${packages[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
  # nginx is there for the router's desync test, which runs its own: no service of it stays on port 80.
  if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx; then
    act systemctl disable --now nginx || say "could not stop the nginx service apt-get started (it holds port 80)"
  fi
fi
node_ok || install_node
[ "$DRY_RUN" = 1 ] || node_ok || die "node >= $NODE_MIN and npm are still missing"

# ---- npm dependencies ------------------------------------------------------

NPM_STAMP=node_modules/.tspaas-setup-stamp
# What node_modules must match: the lock file and the Node.js ABI.
npm_wanted() { { sha256sum package-lock.json; node -p 'process.versions.modules' 2>/dev/null; } | sha256sum | cut -d' ' -f1; }
if [ "$(cat "$NPM_STAMP" 2>/dev/null)" != "$(npm_wanted)" ]; then
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] && npm ls --all >/dev/null 2>&1; then
    say "node_modules already matches package-lock.json"
  else
    say "installing npm dependencies"
    # `npm install`, not `npm ci`: node-unix-socket names optional platform
    # packages that were never published, so `npm ci` always finds the lock
    # "out of sync". With a lock in sync, `npm install` installs exactly it
    # and leaves it unchanged. Install scripts stay off for every dependency;
    # esbuild's is the only one needed.
    act npm install --ignore-scripts --no-audit --no-fund --loglevel=error || die "npm install failed"
    act npm rebuild esbuild --loglevel=error || die "npm rebuild esbuild failed"
    if [ -d .git ] && command -v git >/dev/null && ! git diff --quiet -- package-lock.json 2>/dev/null; then
      say "warning: npm changed package-lock.json (package.json and the lock disagree)"
    fi
  fi
  [ "$DRY_RUN" = 1 ] || npm_wanted >"$NPM_STAMP"
fi

# ---- build -----------------------------------------------------------------

BUILD_STAMP=dist/.tspaas-build-stamp
SOURCES=(lib runtime platform buildpacks router cli package.json package-lock.json tsconfig.json tsconfig.build.json)
existing_sources() { local s; for s in "${SOURCES[@]}"; do [ -e "$s" ] && echo "$s"; done; }
mapfile -t sources < <(existing_sources)
if [ ! -e "$BUILD_STAMP" ] || [ -n "$(find "${sources[@]}" -newer "$BUILD_STAMP" -print -quit)" ]; then
  say "building (npm run build)"
  if [ "$DRY_RUN" != 1 ]; then
    touch "$BUILD_STAMP.new" 2>/dev/null || { mkdir -p dist && touch "$BUILD_STAMP.new"; }
    if npm run --silent build; then
      mv "$BUILD_STAMP.new" "$BUILD_STAMP"   # stamped with the time the build started
    else
      rm -f "$BUILD_STAMP.new"
      # tsc still emits; the test path goes on and its typecheck reports the errors.
      [ "$WITH_TEST" = 1 ] || die "build failed"
      echo >&2; say "warning: build failed (the typecheck step will report it)"
    fi
  fi
fi

# ---- host preparation --------------------------------------------------------
# The same steps as prepareHost() in runtime/host.ts, which tspaasd also runs
# at start (docs/engine.md, "Host preparation"); done here in shell so a fresh
# host is ready even before the first build succeeds.

prepare_host() {
  # Containers reach the outside through NAT on the host.
  if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
    say "enabling net.ipv4.ip_forward"
    act sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward' || say "warning: cannot enable ip_forward"
  fi
  local conf=/etc/sysctl.d/90-tspaas.conf line="net.ipv4.ip_forward = 1"
  if [ -d /etc/sysctl.d ] && [ "$(cat "$conf" 2>/dev/null)" != "$line" ]; then
    act sh -c "echo '$line' > $conf"
  fi

  # cgroup hybrid quirk: on a v1+v2 host, crun refuses to run while the v2
  # hierarchy (/sys/fs/cgroup/unified) holds controllers; bind each one it
  # holds (typically hugetlb) to its own v1 hierarchy so cgroup2 is empty.
  local unified=/sys/fs/cgroup/unified c held=''
  # (cgroup files report size 0: read them, never test them with -s.)
  [ "$(stat -f -c %T "$unified" 2>/dev/null)" = cgroup2fs ] && held=$(cat "$unified/cgroup.controllers" 2>/dev/null || true)
  if [ -n "$held" ]; then
    for c in $held; do
      say "cgroup hybrid quirk: moving the $c controller from cgroup2 to cgroup v1"
      grep -qw "$c" "$unified/cgroup.subtree_control" 2>/dev/null && act sh -c "echo -$c > $unified/cgroup.subtree_control"
      if [ ! -d "/sys/fs/cgroup/$c" ] && ! act mkdir -p "/sys/fs/cgroup/$c" 2>/dev/null; then
        # systemd mounts the /sys/fs/cgroup tmpfs read-only: open it just for the mkdir.
        act mount -o remount,rw /sys/fs/cgroup && act mkdir -p "/sys/fs/cgroup/$c"
        act mount -o remount,ro /sys/fs/cgroup
      fi
      mountpoint -q "/sys/fs/cgroup/$c" || act mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" \
        || say "warning: cannot mount the $c controller as cgroup v1"
    done
  fi

  # Container roots are overlay mounts.
  if ! grep -qw overlay /proc/filesystems; then
    act modprobe overlay 2>/dev/null || say "warning: overlay filesystem unavailable (modprobe overlay failed)"
  fi
}
[ "${TSPAAS_SETUP_SKIP_HOST:-0}" = 1 ] || prepare_host

# ---- disk quotas (part 5 of issue 13; docs/engine.md, "Disk quotas") --------
# The engine's storage on a filesystem that bounds each writable layer; the
# tests' temporary roots (TMPDIR, set by the ava setup test/helpers/quota-store.ts) too.
if [ "${TSPAAS_STORAGE:-on}" != off ] && [ "${TSPAAS_SETUP_SKIP_HOST:-0}" != 1 ]; then
  bash scripts/quota-store.sh "${TSPAAS_ROOT:-/var/lib/tspaas}/engine" || die "no disk quotas for the engine (TSPAAS_STORAGE=off runs without them)"
  if [ "$WITH_TEST" = 1 ]; then bash scripts/quota-store.sh /var/lib/tspaas-test || die "no disk quotas for the tests"; fi
fi

say "ready in $(( ($(date +%s%N) - START) / 1000000 )) ms"
