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

# fetch_package NAME SPEC DEST: unpack the tarball of NAME@SPEC (a semver range or a dist-tag) into DEST,
# from the cache when that exact version was fetched before. Prints the version.
fetch_package() {
  local name=$1 spec=$2 dest=$3 meta version url
  if [[ $spec =~ ^[a-z] ]]; then  # a dist-tag: the small version document
    meta="$CACHE_DIR/registry/$name@$spec.json"
    fetch_json "$REGISTRY/$name/$spec" "$meta" application/json >&2 || return 1
    version=$(jq -r .version "$meta"); url=$(jq -r .dist.tarball "$meta")
  else
    meta="$CACHE_DIR/registry/$name.json"
    fetch_json "$REGISTRY/$name" "$meta" >&2 || return 1
    version=$(python3 "$BP_DIR/lib/semver.py" "$spec" < "$meta") || { echo " !     no $name version matches \"$spec\"" >&2; return 1; }
    url=$(jq -r --arg v "$version" '.versions[$v].dist.tarball' "$meta")
  fi
  local store="$CACHE_DIR/packages/$name/$version"
  if [ ! -d "$store" ]; then
    mkdir -p "$store.tmp"
    curl -fsSL --connect-timeout 5 --max-time 600 "$url" | tar xz -C "$store.tmp" --strip-components=1 \
      || { rm -rf "$store.tmp"; echo " !     download of $url failed" >&2; return 1; }
    mv "$store.tmp" "$store"
  fi
  mkdir -p "$dest"
  cp -a "$store/." "$dest/"
  echo "$version"
}
