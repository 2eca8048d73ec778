# Dependency steps of the Node.js buildpack (sourced by bin/compile; uses its variables).

# The cache key: lockfile, package.json, Node and package manager versions.
deps_key() {
  cat "$BUILD_DIR/$lock" "$BUILD_DIR/package.json" 2>/dev/null | { cat; echo "$node_version $pm $pm_version"; } | sha256sum | cut -c1-16
}

install_dependencies() {
  local key saved
  key=$(deps_key); saved="$CACHE_DIR/node_modules/$key"
  echo "-----> Installing dependencies"
  if [ -d "$saved" ] && [ -f "$BUILD_DIR/$lock" ]; then
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
  rm -rf "$CACHE_DIR/node_modules"; mkdir -p "$CACHE_DIR/node_modules"
  [ -d "$BUILD_DIR/node_modules" ] && cp -a "$BUILD_DIR/node_modules" "$saved"
  return 0
}

run_build_script() {
  local script
  for script in heroku-postbuild build; do
    if [ -n "$(pkg ".scripts[\"$script\"]")" ]; then
      echo "-----> Running $script"
      (cd "$BUILD_DIR" && $pm run "$script") 2>&1 | sed -u 's/^/       /'
      return
    fi
  done
}

prune_dev_dependencies() {
  [ -d "$BUILD_DIR/node_modules" ] || return 0
  echo "-----> Pruning devDependencies"
  (cd "$BUILD_DIR" && case $pm in
    npm) npm prune --omit=dev --offline --no-audit --no-fund ;;
    yarn) yarn install --frozen-lockfile --production=true --offline --cache-folder "$CACHE_DIR/yarn" --non-interactive ;;
    pnpm) pnpm prune --prod --offline ;;
  esac) 2>&1 | sed -u 's/^/       /'
}
