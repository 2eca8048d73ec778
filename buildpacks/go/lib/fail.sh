# How the go buildpack stops: `fail` prints what failed and why (Heroku's ` !     ` style, on stderr) and exits 1;
# the ERR trap turns any other failing command into such a line, so no exit path is silent (issue 14 item 3).

FAILED_MARK=$(mktemp -u /tmp/tspaas-failed.XXXXXX)

# Print each line of each argument as a ` !     ` line on stderr and exit 1 (also from a $(…) subshell: the mark tells the trap).
fail() {
  local arg line
  for arg in "$@"; do
    while IFS= read -r line; do echo " !     $line" >&2; done <<< "$arg"
  done
  : > "$FAILED_MARK"
  exit 1
}

# A command that failed outside an explicit check: name it, its exit code and the script line.
on_unexpected_error() {
  [ -e "$FAILED_MARK" ] && exit 1  # a `fail` in a subshell said it already
  fail "go: \`$3\` failed (exit code $1) at ${BASH_SOURCE[1]##*/} line $2"
}

set -E
trap 'on_unexpected_error $? $LINENO "$BASH_COMMAND"' ERR
