# The app's main packages built into bin/: those of go.mod's `// +heroku install ./cmd/...` line (Heroku's
# go buildpack convention, as in heroku/go-getting-started), else every main package of the module.

# Run a go command for its stdout; on failure print its output and fail naming WHAT and go's first line.
go_or_fail() {
  local what=$1 out err rc=0
  shift
  err=$(mktemp)
  out=$("$@" 2> "$err") || rc=$?
  if [ "$rc" -ne 0 ]; then
    sed 's/^/       /' "$err" | tail -n 20 >&2
    fail "$what failed: $(grep -m1 . "$err" || echo "exit code $rc")"
  fi
  echo "$out"
}

# The package patterns to build.
install_patterns() {
  local line
  line=$(grep -m1 -E '^//\s*\+heroku install ' go.mod || true)
  if [ -n "$line" ]; then echo "${line#*install }"; else echo ./...; fi
}

# go build each main package to bin/<last path element>; a failure names the package and the compiler's first error.
build_main_packages() {
  local module=$1 patterns pkgs p log rc
  patterns=$(install_patterns)
  # shellcheck disable=SC2086 # the patterns are words
  pkgs=$(go_or_fail "finding the main packages (go list $patterns)" go list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' $patterns)
  [ -n "$pkgs" ] || fail "no main package in $module ($patterns): nothing to build into bin/"
  mkdir -p bin
  log=$(mktemp)
  for p in $pkgs; do
    echo "       $p -> bin/${p##*/}"
    rc=0
    go build -ldflags='-s -w -buildid=' -o "bin/${p##*/}" "$p" 2>&1 | tee "$log" | sed -u 's/^/       /' || rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || fail "go build $p failed (exit code $rc): $(grep -v '^#' "$log" | grep -m1 . || echo 'see above')"
  done
}
