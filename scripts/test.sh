#!/usr/bin/env bash
# Install what is missing (with the test extras) and run the whole suite:
# typecheck, lint, then every ava test against the real engine. The last line
# is always `N passed, N failed` (typecheck and lint count as one check each);
# the exit code is non-zero when anything failed.
#
#   bash scripts/test.sh [ava arguments…]     e.g. bash scripts/test.sh test/runtime
#
# Logs of the run: .tspaas-test/logs/ (typecheck.log, lint.log, ava.tap, ava.log).
# Knobs: TSPAAS_TEST_TIMEOUT (whole ava run, default 45m).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
exec </dev/null
START=$(date +%s)
LOGS=$REPO/.tspaas-test/logs
mkdir -p "$LOGS"

passed=0
failed=0
say() { echo "test: $*" >&2; }
# Print the summary line and exit with the matching status.
finish() {
  say "took $(( $(date +%s) - START ))s; logs in $LOGS"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
}

say "setup"
if ! bash scripts/setup.sh --test; then
  say "setup failed: the suite could not run"
  failed=1
  finish
fi
export PATH=$REPO/node_modules/.bin:$PATH

# PostgreSQL and Redis for the platform's tests (DATABASE_URL, REDIS_URL).
# shellcheck source=scripts/services.sh
if ! source scripts/services.sh; then
  say "could not start PostgreSQL/Redis"
  failed=$((failed + 1))
fi
# With the stock docker CLI installed, its compatibility tests must run, not skip.
if command -v docker >/dev/null 2>&1; then export TSPAAS_REQUIRE_DOCKER_CLI=1; fi

# Run one whole-project check ($1 = name) and count it as one test.
check() {
  local name=$1; shift
  say "$name"
  if "$@" 2>&1 | tee "$LOGS/$name.log"; then
    passed=$((passed + 1))
  else
    say "$name FAILED (see $LOGS/$name.log)"
    failed=$((failed + 1))
  fi
}
check typecheck npm run --silent typecheck
check lint npm run --silent lint

# ava's TAP report goes to stdout (counted), test output to stderr (logged).
say "ava"
{
  timeout --kill-after=30s "${TSPAAS_TEST_TIMEOUT:-45m}" npm test --silent -- --tap "$@" 2>&1 1>&3 3>&- \
    | tee "$LOGS/ava.log" >&2
  exit "${PIPESTATUS[0]}"
} 3>&1 | tee "$LOGS/ava.tap"
ava_status=${PIPESTATUS[0]}
# `ok …` counts as passed unless skipped; `not ok …` as failed unless todo.
read -r ava_passed ava_failed ava_skipped < <(awk '
  /^ok / { if ($0 ~ / # SKIP/) s++; else p++ }
  /^not ok / { if ($0 !~ / # TODO/) f++ }
  END { print p+0, f+0, s+0 }' "$LOGS/ava.tap")
if [ "$ava_status" != 0 ] && { [ "$ava_failed" = 0 ] || ! grep -q '^1\.\.[0-9]' "$LOGS/ava.tap"; }; then
  # ava failed without reporting a failed test, or never finished its report:
  # a crash, the whole run timed out (a hung test), no test files…
  say "ava exited with status $ava_status$([ "$ava_status" = 124 ] && echo " (timed out after ${TSPAAS_TEST_TIMEOUT:-45m})") before reporting every test; counting that as one more failure"
  ava_failed=$((ava_failed + 1))
fi
say "ava: $ava_passed passed, $ava_failed failed, $ava_skipped skipped"
passed=$((passed + ava_passed))
failed=$((failed + ava_failed))
finish
