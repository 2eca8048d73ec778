#!/usr/bin/env bash
# Install what is missing, put `tspaas`, `tspaasd` and `tspaas-router` on
# PATH, and start tspaas on its embedded defaults (`tspaas up`: tspaasd in the
# background with its own PostgreSQL and Redis, the platform API on
# http://127.0.0.1:5080, the Engine API on /run/tspaas/engine.sock, and
# tspaas-router on port 80). The first start prints the admin token once.
# Idempotent: when tspaas already runs, `tspaas up` says so.
#
#   bash scripts/up.sh [tspaas up options…]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
exec </dev/null

bash scripts/setup.sh

# Write a launcher in /usr/local/bin for a built entry point, unless it is already there.
link_command() {
  local name=$1 entry=$2 target=/usr/local/bin/$1 body
  body=$(printf '#!/bin/sh\n# Installed by tspaas scripts/up.sh.\nexec node %q "$@"\n' "$REPO/$entry")
  if [ "$(cat "$target" 2>/dev/null)" != "$body" ]; then
    printf '%s\n' "$body" >"$target"
    chmod 755 "$target"
    echo "up: installed $target" >&2
  fi
}
link_command tspaas dist/cli/main.js
link_command tspaasd dist/platform/main.js
link_command tspaas-router dist/router/main.js

exec tspaas up "$@"
