#!/usr/bin/env bash
# The quick tier (`npm run test:unit`): the test files of ava.unit.config.js —
# no root, no engine, no database — in about a minute on 2 cores.
#
# It is also its own guard: the files run without DATABASE_URL and REDIS_URL,
# and, when started as root, as an unprivileged user (TSPAAS_UNIT_USER,
# default nobody) with a clean environment, so a listed file that starts
# needing root or a database fails here instead of passing by luck.
#
#   bash scripts/test-unit.sh [ava arguments…]     e.g. bash scripts/test-unit.sh --verbose
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
AVA=(node "$REPO/node_modules/ava/entrypoints/cli.mjs" --config ava.unit.config.js "$@")

if [ "$(id -u)" != 0 ]; then
  unset DATABASE_URL REDIS_URL
  exec "${AVA[@]}"
fi

user=${TSPAAS_UNIT_USER:-nobody}
uid=$(id -u "$user") gid=$(id -g "$user")
as_user=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
if ! "${as_user[@]}" test -r "$REPO/ava.unit.config.js" -a -x "$REPO/test"; then
  echo "test-unit: $user cannot read $REPO (the unit tier runs unprivileged); make it readable or set TSPAAS_UNIT_USER" >&2
  exit 1
fi
# A home of its own (the CLI's tests write config there); TMPDIR stays /tmp, where tsx keeps its per-user cache.
home=$(mktemp -d /tmp/tspaas-unit-XXXXXX)
chown "$uid:$gid" "$home"
trap 'rm -rf "$home"' EXIT
env=(PATH="$PATH" HOME="$home" TMPDIR=/tmp LANG="${LANG:-C.UTF-8}")
for name in TERM CI FORCE_COLOR NO_COLOR; do
  if [ -n "${!name:-}" ]; then env+=("$name=${!name}"); fi
done
"${as_user[@]}" env -i "${env[@]}" "${AVA[@]}"
