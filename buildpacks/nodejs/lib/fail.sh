# Failure reporting of the Node.js buildpack (sourced first by bin/compile): every way out with a non-zero
# status prints a line starting with " !     " that says what failed and why.

FAIL_MARK=$(mktemp -u /tmp/nodejs-failed.XXXXXX)
rm -f "$FAIL_MARK"

# fail MESSAGE [DETAIL...]: print MESSAGE (and each DETAIL line) on stderr and end the build.
fail() {
  local line
  echo " !     $1" >&2
  shift
  for line in "$@"; do [ -n "$line" ] && echo " !       $line" >&2; done
  : > "$FAIL_MARK"
  exit 1
}

# An unexpected failure (a command under `set -e` nobody checked): named with its command and place. A failure
# already reported (by fail, possibly in a subshell) is not reported twice.
on_unexpected_error() {
  local status=$1 command=$2 where=$3
  [ -e "$FAIL_MARK" ] && exit "$status"
  : > "$FAIL_MARK"
  echo " !     nodejs buildpack: \`$command\` failed with exit code $status ($where)" >&2
  exit "$status"
}
set -E
trap 'on_unexpected_error $? "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR

# last_lines FILE: why a command failed, from its output FILE: the first 3 lines that report an error (npm's
# "npm error", Yarn's "error", pnpm's "ERR_PNPM_…") without the pointers to log files, else its last 3 lines.
last_lines() {
  local errors
  errors=$(grep -i 'err' "$1" | grep -v -i 'complete log\|debug-0.log\|^[[:space:]]*$' | head -n 3 || true)
  if [ -n "$errors" ]; then echo "$errors"; else grep -v '^[[:space:]]*$' "$1" | tail -n 3 || true; fi
}

# run_step WHAT COMMAND...: run COMMAND in BUILD_DIR with its output (stdout and stderr) indented; when it
# fails, end the build with "WHAT failed (exit code N):" and the last lines the command printed.
run_step() {
  local what=$1 log status=0 detail=()
  shift
  log=$(mktemp)
  (cd "$BUILD_DIR" && "$@") 2>&1 | tee "$log" | sed -u 's/^/       /' || status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    mapfile -t detail < <(last_lines "$log")
    rm -f "$log"
    fail "$what failed (exit code $status):" "${detail[@]}"
  fi
  rm -f "$log"
}
