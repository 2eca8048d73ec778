# Downloads from the npm registry (sourced by bin/compile): metadata with a cache fallback, tarballs verified
# against the registry's integrity before they are kept, stalls retried once, progress for slow downloads.

# fetch_json URL FILE [ACCEPT]: refresh FILE from URL; keep the cached copy when the registry is unreachable.
fetch_json() {
  local url=$1 file=$2 accept=${3:-application/vnd.npm.install-v1+json} err
  mkdir -p "$(dirname "$file")"
  if err=$(curl -fsSL --connect-timeout 10 --speed-limit 1 --speed-time 30 --retry 1 -H "Accept: $accept" -o "$file.tmp" "$url" 2>&1); then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
    [ -s "$file" ] || fail "cannot fetch $url and nothing is cached: ${err#curl: }"
    echo "       (registry unreachable: using cached metadata)"
  fi
}

# resolve_package NAME SPEC: "VERSION TARBALL INTEGRITY" of the NAME that SPEC (a semver range or a dist-tag)
# picks, among the versions whose engines.node accepts $node_version when it is set. While package.json and
# the lockfile stay the same (RESOLVED_DIR, set by bin/compile) the answer of the last build is kept, like the
# lockfile pins the dependencies: no registry metadata is fetched.
resolve_package() {
  local name=$1 spec=$2 meta found status=0 pinned="${RESOLVED_DIR:+$RESOLVED_DIR/${1//\//+}@$2}" url="$REGISTRY/${1/\//%2f}"
  if [ -n "$pinned" ] && [ -s "$pinned" ]; then cat "$pinned"; return; fi
  if [[ $spec =~ ^[a-z] ]]; then  # a dist-tag: the small version document
    meta="$CACHE_DIR/registry/${name//\//+}@$spec.json"
    fetch_json "$url/$spec" "$meta" application/json >&2
    found=$(jq -r '"\(.version) \(.dist.tarball) \(.dist.integrity // ("sha1:" + .dist.shasum))"' "$meta")
  else
    meta="$CACHE_DIR/registry/${name//\//+}.json"
    fetch_json "$url" "$meta" >&2
    found=$(python3 "$BP_DIR/lib/semver.py" "$spec" "${node_version:-}" < "$meta" 2>"$meta.why") || status=$?
    [ "$status" -eq 2 ] && fail "no $name version matching \"$spec\" runs on Node $node_version: $(cat "$meta.why")"
    [ "$status" -eq 0 ] || fail "no $name version matches \"$spec\" $(cat "$meta.why")"
  fi
  [ -n "$pinned" ] && echo "$found" > "$pinned"
  echo "$found"
}

# download URL FILE: URL into FILE (complete or absent); a stall (no byte for 30 s) or a broken transfer is
# retried once; a line of progress every 5 s while it lasts. Ends the build naming the URL and curl's reason.
download() {
  local url=$1 file=$2 attempt err=""
  for attempt in 1 2; do
    rm -f "$file.part"
    if curl_with_progress "$url" "$file.part" "$file.err"; then mv "$file.part" "$file"; rm -f "$file.err"; return; fi
    err=$(tail -n 1 "$file.err"); err=${err#curl: }
    [ "$attempt" = 1 ] && echo "       download of $url failed (${err}); retrying once" >&2
  done
  rm -f "$file.part" "$file.err"
  fail "download of $url failed twice: $err"
}

curl_with_progress() {
  local url=$1 part=$2 errfile=$3 pid ticks=0 status=0
  curl -fsSL --connect-timeout 10 --speed-limit 1 --speed-time "${NODEJS_STALL_SECONDS:-30}" -o "$part" "$url" 2>"$errfile" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2; ticks=$((ticks + 1))
    if (( ticks % 25 == 0 )); then echo "       ... ${url##*/}: $(( $(stat -c %s "$part" 2>/dev/null || echo 0) / 1048576 )) MB after $((ticks / 5)) s" >&2; fi
  done
  wait "$pid" || status=$?
  return "$status"
}

# store_package NAME VERSION TARBALL INTEGRITY [PINNED_HASH]: the unpacked tarball in the cache, obtained
# once (fetch_tarball) and kept only when it matches INTEGRITY and PINNED_HASH (packageManager's
# "+sha512.<hex>", of the tarball or, as corepack computes it for Yarn 2+, of its bin/yarn.js). Prints its directory.
store_package() {
  local name=$1 version=$2 tarball=$3 integrity=$4 pinned=${5:-} store why key
  # A pinned hash has its own store: a copy verified without it (or with another) is not taken for it.
  store="$CACHE_DIR/packages/${name//\//+}/$version${pinned:+-${pinned:0:40}}"
  if [ ! -d "$store" ]; then
    mkdir -p "$(dirname "$store")"
    key=$(python3 "$BP_DIR/lib/integrity.py" --store-name "$integrity")
    fetch_tarball "$name@$version" "$tarball" "$integrity" "$key" "$store.tgz"
    rm -rf "$store.tmp"; mkdir -p "$store.tmp"
    if ! why=$(tar xzf "$store.tgz" -C "$store.tmp" --strip-components=1 2>&1); then
      rm -rf "$store.tmp" "$store.tgz"
      fail "$name@$version from $tarball cannot be unpacked: $why"
    fi
    if [ -n "$pinned" ] && ! why=$(python3 "$BP_DIR/lib/integrity.py" --pinned "$pinned" "$store.tgz" "$store.tmp/bin/yarn.js" 2>&1); then
      rm -rf "$store.tmp" "$store.tgz"
      fail "$name@$version from $tarball does not match packageManager: $why"
    fi
    mv "$store.tmp" "$store"
    hand_over "$store.tgz"
  fi
  echo "$store"
}

# The host's download store (buildpacks/downloads.ts): TSPAAS_DOWNLOADS, when the runner gives one, is a
# read-only directory of tarballs named sha512-<hex> of their bytes, shared by every build on the host.
# A tarball missing there is downloaded and, once verified, left in $CACHE_DIR/downloads/<that name>: after
# the build the host hashes it itself and keeps it in the store under the hash it really has.

# fetch_tarball LABEL URL INTEGRITY KEY FILE: the tarball verified against INTEGRITY into FILE: a copy of
# the store's KEY when it has one, else downloaded (KEY, sha512-<hex> or empty, names it for the store).
fetch_tarball() {
  local label=$1 url=$2 integrity=$3 key=$4 file=$5 shared="" why
  HANDOVER=""
  [ -n "$key" ] && [ -n "${TSPAAS_DOWNLOADS:-}" ] && shared="$TSPAAS_DOWNLOADS/$key"
  if [ -n "$shared" ] && [ -f "$shared" ]; then
    if why=$(cp "$shared" "$file" 2>&1 && python3 "$BP_DIR/lib/integrity.py" "$file" "$integrity" 2>&1); then
      echo "       $label: from the host's download store" >&2
      mkdir -p "$CACHE_DIR/downloads"; : > "$CACHE_DIR/downloads/$key.used"
      return
    fi
    echo "       $label: the host's download store has it but its copy is not usable (${why}); downloading it" >&2
  fi
  download "$url" "$file"
  if ! why=$(python3 "$BP_DIR/lib/integrity.py" "$file" "$integrity" 2>&1); then
    rm -f "$file"
    fail "$label from $url does not match its integrity: $why"
  fi
  [ -n "$shared" ] && HANDOVER="$CACHE_DIR/downloads/$key"
  return 0
}

# hand_over FILE: the verified download FILE goes to the host's store (HANDOVER, set by fetch_tarball), or away.
hand_over() {
  if [ -n "$HANDOVER" ]; then mkdir -p "$CACHE_DIR/downloads"; mv "$1" "$HANDOVER"; else rm -f "$1"; fi
}
