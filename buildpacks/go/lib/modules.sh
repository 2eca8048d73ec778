# Where a Go app's modules come from: vendor/ (-mod=vendor, offline), else `go mod download` through GOPROXY
# (off unless the app's config says otherwise) into the module cache in CACHE_DIR; a failure says which and why.

# Export the Go settings of the app's config (GOPROXY, GOFLAGS, GOPRIVATE, GONOPROXY, GONOSUMDB, GOSUMDB, GOINSECURE).
go_config_from_env() {
  local name
  for name in GOPROXY GOFLAGS GOPRIVATE GONOPROXY GONOSUMDB GOSUMDB GOINSECURE; do
    if [ -f "$ENV_DIR/$name" ]; then export "$name=$(cat "$ENV_DIR/$name")"; fi
  done
  export GOFLAGS="${GOFLAGS:-}" GOPROXY=${GOPROXY:-off}
}

# Use vendor/ when the app has it; else download what go.mod requires (or find it in the module cache).
prepare_modules() {
  if [ -f vendor/modules.txt ]; then
    echo "-----> Using vendored modules (vendor/modules.txt): -mod=vendor, nothing downloaded"
    [[ " $GOFLAGS " == *" -mod="* ]] || export GOFLAGS="$GOFLAGS -mod=vendor"
    return
  fi
  if ! grep -qE '^\s*require\b' go.mod; then return; fi
  echo "-----> Downloading modules (GOPROXY=$GOPROXY)"
  local out
  if out=$(go mod download -x 2>&1); then
    grep -E '^# get .*: 200 OK' <<< "$out" | sed -E 's/^# get (.*): 200 OK.*/       fetched \1/' || true
    return
  fi
  sed 's/^/       /' <<< "$out" | grep -v '^       # get' | tail -n 20
  explain_download_failure "$(grep -v '^# get' <<< "$out" | grep -m1 . || true)" "$out"
}

# Fail with the reason modules could not be had: no vendor/ and no proxy, an unreachable proxy or checksum database.
explain_download_failure() {
  local first=$1 out=$2
  if [ "$GOPROXY" = off ]; then
    fail "go.mod requires modules that are not vendored and GOPROXY is off: $first" \
      "Commit vendor/ (\`go mod vendor\`) or set GOPROXY in the app's config to a module proxy this build can reach."
  elif grep -qE '(^|: )verifying ' <<< "$out"; then
    fail "checksums could not be verified (go.sum lacks them and the checksum database ${GOSUMDB:-sum.golang.org} is not reachable): $first" \
      "Commit a complete go.sum (\`go mod tidy\`), or set GONOSUMDB / GOSUMDB in the app's config."
  elif grep -qE 'dial tcp|connection refused|no such host|i/o timeout|network is unreachable' <<< "$out"; then
    fail "the module proxy $GOPROXY is not reachable from the build: $first" \
      "Set GOPROXY in the app's config to a module proxy this build can reach, or commit vendor/ (\`go mod vendor\`)."
  fi
  fail "go mod download failed: $first"
}
