#!/usr/bin/env bash
# Install what is missing (with the test extras) and run the whole suite:
# typecheck, lint, then every ava test against the real engine. The last line
# is always `N passed, N failed` (typecheck and lint count as one check each);
# the exit code is non-zero when anything failed.
#
#   bash scripts/test.sh [ava arguments…]     e.g. bash scripts/test.sh test/runtime
#
# Logs of the run: .tspaas-test/logs/ (typecheck.log, lint.log, ava.out = ava's report, ava.log = test output,
# ava.times = the report with arrival times, from which the longest files are printed; ava.files = which test
# files started and which were done (test/helpers/worker-watch.ts); ava-http-proxy.* the same
# for the router's tests on its http-proxy data path).
# Knobs: TSPAAS_TEST_TIMEOUT (whole ava run, default 60m).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# One output stream, so the summary stays the last line wherever the log goes.
exec </dev/null 2>&1
START=$(date +%s)
LOGS=$REPO/.tspaas-test/logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.out "$LOGS"/*.files "$LOGS/runs.failed"

passed=0
failed=0
say() { echo "test: $*" >&2; }
# Print the summary line and exit with the matching status.
finish() {
  say "took $(( $(date +%s) - START ))s; logs in $LOGS"
  # The names of the failed tests once more, right above the last line, where a CI log's tail shows them.
  local failures
  # (The lines test/helpers/summary/count.ts counts as failures: failed tests, crashed and unfinished files.)
  failures=$(grep -ahE '✘|^ *(Uncaught exception|Unhandled rejection) in |tests? (were|was) pending in |^ *Failed to exit' \
    "$LOGS"/*.out 2>/dev/null | sed 's/^ */  /' | sort -u | head -n 40)
  if [ -n "$failures" ]; then say "failed:"; echo "$failures" >&2; fi
  if [ -s "$LOGS/runs.failed" ]; then cat "$LOGS/runs.failed" >&2; fi
  # Test files whose process outlived its tests (test/helpers/worker-watch.ts ended them): their tests
  # count as they finished, but something they ran left a handle open.
  local lingered
  lingered=$(grep -ah '^lingered: ' "$LOGS"/*.log 2>/dev/null | sort -u | head -n 20)
  if [ -n "$lingered" ]; then say "test files that outlived their tests (not counted as failures):"; echo "$lingered" >&2; fi
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
# The programs the tests start (tspaasd, the router, the CLI) run from the build setup.sh just made of
# these sources, as an operator's install runs them, instead of through tsx (test/helpers/programs.ts).
if [ -e dist/.tspaas-build-stamp ] && [ -z "$(find lib runtime platform buildpacks router cli -newer dist/.tspaas-build-stamp -print -quit)" ]; then
  export TSPAAS_TEST_BUILT=1
else
  say "dist/ is not a build of these sources: the tests start the programs from the sources through tsx"
fi

# PostgreSQL and Redis for the platform's tests (DATABASE_URL, REDIS_URL).
# shellcheck source=scripts/services.sh
if ! source scripts/services.sh; then
  say "could not start PostgreSQL/Redis" 2>&1 | tee -a "$LOGS/runs.failed" >&2
  failed=$((failed + 1))
fi
# With the stock docker CLI installed, its compatibility tests must run, not skip.
if command -v docker >/dev/null 2>&1; then export TSPAAS_REQUIRE_DOCKER_CLI=1; fi
# setup.sh --test installs Debian's docker-compose: its tests must run, not skip.
export TSPAAS_REQUIRE_DOCKER_COMPOSE=1

# Run one whole-project check ($1 = name) and count it as one test.
check() {
  local name=$1; shift
  say "$name"
  if "$@" 2>&1 | tee "$LOGS/$name.log"; then
    passed=$((passed + 1))
  else
    say "$name FAILED (see $LOGS/$name.log)" 2>&1 | tee -a "$LOGS/runs.failed" >&2
    failed=$((failed + 1))
  fi
}
check typecheck npm run --silent typecheck
check lint npm run --silent lint

# ava's report goes to stdout (kept in <name>.out and counted by
# test/helpers/summary), the tests' own output to stderr (<name>.log). The
# default reporter, not --tap: ava's TAP writer crashes the whole run on some
# error objects (a YAML dump of an undefined property).
# Each line of ava's report with the second it arrived (<name>.times), for the span of each file.
stamp() { local line; while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done; }
# Run ava ($1 = name of its logs, the rest = ava's arguments) and add its counts.
run_ava() {
  local name=$1; shift
  say "$name"
  {
    TSPAAS_TEST_FILES_LOG=$LOGS/$name.files timeout --kill-after=30s "${TSPAAS_TEST_TIMEOUT:-60m}" npm test --silent -- "$@" 2>&1 1>&3 3>&- \
      | tee "$LOGS/$name.log" >&2
    exit "${PIPESTATUS[0]}"
  } 3>&1 | tee "$LOGS/$name.out" >(stamp > "$LOGS/$name.times")
  local status=${PIPESTATUS[0]} ava_passed ava_failed ava_skipped ava_todo
  say "the longest test files (seconds, tests, file):"
  node --import=tsx test/helpers/summary/times.ts "$LOGS/$name.times" 12 >&2 || true
  if ! read -r ava_passed ava_failed ava_skipped ava_todo < <(node --import=tsx test/helpers/summary/main.ts "$LOGS/$name.out"); then
    ava_passed=0 ava_failed=0 ava_skipped=0 ava_todo=0
  fi
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    say "$name timed out after ${TSPAAS_TEST_TIMEOUT:-60m} (a hung test?); counting the unfinished run as one more failure" \
      2>&1 | tee -a "$LOGS/runs.failed" >&2
    # The files that started and were never done (test/helpers/worker-watch.ts writes the lines).
    awk '$1 == "start" { s[$2] = 1 } $1 == "done" { delete s[$2] } END { for (f in s) print "  still running at the time limit: " f }' \
      "$LOGS/$name.files" 2>/dev/null | sort | tee -a "$LOGS/runs.failed" >&2
    ava_failed=$((ava_failed + 1))
  elif [ "$status" != 0 ] && [ "$ava_failed" = 0 ]; then
    # ava failed without reporting a failed test: it crashed, found no test files…
    say "$name exited with status $status without a failed test; counting that as one failure" \
      2>&1 | tee -a "$LOGS/runs.failed" >&2
    ava_failed=1
  fi
  say "$name: $ava_passed passed, $ava_failed failed, $ava_skipped skipped, $ava_todo todo"
  passed=$((passed + ava_passed))
  failed=$((failed + ava_failed))
}
run_ava ava "$@"
# The router's tests once more on its other data path (the first run used the default, fast;
# docs/router.md, "Data paths"), when the whole suite runs.
if [ "$#" = 0 ]; then
  TSPAAS_ROUTER_DATA_PATH=http-proxy run_ava ava-http-proxy 'test/router/**/*.test.ts'
fi
finish
