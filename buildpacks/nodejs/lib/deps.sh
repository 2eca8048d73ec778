# Dependency steps of the Node.js buildpack (sourced by bin/compile; uses its variables).

# The cache key: lockfile, package.json, Node and package manager versions.
deps_key() {
  cat "$BUILD_DIR/$lock" "$BUILD_DIR/package.json" 2>/dev/null | { cat; echo "$node_version $pm $pm_version"; } | sha256sum | cut -c1-16
}

build_script() {
  local script
  for script in heroku-postbuild build; do
    [ -n "$(pkg ".scripts[\"$script\"]")" ] && { echo "$script"; return; }
  done
  return 0
}

# With a lockfile and no build script the production node_modules is a function of deps_key: it is cached
# pruned and declared as a cached layer (modules_key). Otherwise the full tree is cached and pruned each time.
modules_key="" pruned=""
install_dependencies() {
  local key saved
  key=$(deps_key); saved="$CACHE_DIR/node_modules/$key"
  echo "-----> Installing dependencies"
  if [ -f "$BUILD_DIR/$lock" ] && [ -z "$(build_script)" ]; then
    modules_key="nodejs-modules-v1-$key"
    echo "$modules_key node_modules" >> "$BP_DIR/layers"
    if cached_layer "$modules_key" || [ -d "$saved-prod" ]; then
      echo "       $lock unchanged: restoring node_modules from the cache (no network install)"
      rm -rf "$BUILD_DIR/node_modules"; pruned=1
      cached_layer "$modules_key" || cp -a "$saved-prod" "$BUILD_DIR/node_modules"
      return
    fi
  elif [ -d "$saved" ] && [ -f "$BUILD_DIR/$lock" ]; then
    echo "       $lock unchanged: restoring node_modules from the cache (no network install)"
    rm -rf "$BUILD_DIR/node_modules"; cp -a "$saved" "$BUILD_DIR/node_modules"
    return
  fi
  (cd "$BUILD_DIR" && case "$pm:$( [ -f "$lock" ] && echo locked)" in
    npm:locked) npm ci --include=dev --cache "$CACHE_DIR/npm" --prefer-offline --no-audit --no-fund ;;
    npm:) npm install --include=dev --cache "$CACHE_DIR/npm" --prefer-offline --no-audit --no-fund ;;
    yarn:*) yarn install --frozen-lockfile --production=false --cache-folder "$CACHE_DIR/yarn" --non-interactive ;;
    pnpm:*) pnpm install --frozen-lockfile --prod=false --store-dir "$CACHE_DIR/pnpm" ;;
  esac) 2>&1 | sed -u 's/^/       /'
  # An app without dependencies gets no node_modules from npm ci; the declared layer needs the directory.
  [ -n "$modules_key" ] && mkdir -p "$BUILD_DIR/node_modules"
  rm -rf "$CACHE_DIR/node_modules"; mkdir -p "$CACHE_DIR/node_modules"
  [ -z "$modules_key" ] && [ -d "$BUILD_DIR/node_modules" ] && cp -a "$BUILD_DIR/node_modules" "$saved"
  return 0
}

run_build_script() {
  local script
  script=$(build_script)
  [ -n "$script" ] || return 0
  echo "-----> Running $script"
  (cd "$BUILD_DIR" && $pm run "$script") 2>&1 | sed -u 's/^/       /'
}

prune_dev_dependencies() {
  [ -d "$BUILD_DIR/node_modules" ] && [ -z "$pruned" ] || return 0
  echo "-----> Pruning devDependencies"
  (cd "$BUILD_DIR" && case $pm in
    npm) npm prune --omit=dev --offline --no-audit --no-fund ;;
    yarn) yarn install --frozen-lockfile --production=true --offline --cache-folder "$CACHE_DIR/yarn" --non-interactive ;;
    pnpm) pnpm prune --prod --offline ;;
  esac) 2>&1 | sed -u 's/^/       /'
  if [ -n "$modules_key" ]; then cp -a "$BUILD_DIR/node_modules" "$CACHE_DIR/node_modules/$(deps_key)-prod"; fi
  return 0
}
