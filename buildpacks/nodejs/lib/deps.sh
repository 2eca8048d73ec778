# Dependency steps of the Node.js buildpack (sourced by bin/compile; uses its variables): install with the
# chosen manager (or restore the install from the cache), the build scripts, devDependencies pruned.

# The cache key: package.json files (workspaces included), lockfile, Yarn/pnpm settings, Node and manager versions.
deps_key() {
  local inputs
  inputs=$(cd "$BUILD_DIR" && find . \( -name node_modules -o -name .heroku -o -name .git -o -name .yarn \) -prune -o \
    \( -name package.json -o -name "$lock" -o -name .yarnrc.yml -o -name pnpm-workspace.yaml -o -name .npmrc \) -type f -print | LC_ALL=C sort)
  { (cd "$BUILD_DIR" && echo "$inputs" | xargs -r -d '\n' sha256sum); echo "$node_version $pm $pm_version"; } | sha256sum | cut -c1-16
}

# What an install writes: every node_modules (workspaces included) and Yarn 2+'s PnP files and cache.
install_outputs() {
  local f
  (cd "$BUILD_DIR" && find . \( -name .heroku -o -name .git \) -prune -o -name node_modules -type d -prune -print)
  for f in .pnp.cjs .pnp.loader.mjs .yarn/cache .yarn/unplugged .yarn/install-state.gz; do
    if [ -e "$BUILD_DIR/$f" ]; then echo "./$f"; fi
  done
}

# save_install DIR / restore_install DIR: the install outputs of BUILD_DIR into DIR (with DIR.list), and back.
save_install() {
  local dir=$1 outputs=()
  mapfile -t outputs < <(install_outputs)
  rm -rf "$dir" "$dir.list"; mkdir -p "$dir"
  [ ${#outputs[@]} -eq 0 ] || (cd "$BUILD_DIR" && cp -a --parents "${outputs[@]}" "$dir/")
  printf '%s\n' "${outputs[@]}" > "$dir.list"
}
restore_install() {
  local dir=$1 path
  while IFS= read -r path; do [ -n "$path" ] && rm -rf "${BUILD_DIR:?}/$path"; done < "$dir.list"
  cp -a "$dir/." "$BUILD_DIR/"
}

build_script() {
  local script
  for script in heroku-postbuild build; do
    [ -n "$(pkg ".scripts[\"$script\"]")" ] && { echo "$script"; return; }
  done
  return 0
}

# run_script NAME: the package.json script NAME with the chosen manager, when package.json has it.
run_script() {
  [ -n "$(pkg ".scripts[\"$1\"]")" ] || return 0
  echo "-----> Running $1"
  run_step "the $1 script ($pm run $1)" "$pm" run "$1"
}

# A single node_modules (no workspaces, no PnP) that is a function of deps_key once pruned, without a build
# script to change it: it is declared as a cached layer (modules_key).
single_tree() {
  [ -z "$berry" ] && [ -z "$(build_script)" ] && [ "$(pkg '.workspaces | if . then "yes" else "" end')" = "" ] &&
    [ ! -f "$BUILD_DIR/pnpm-workspace.yaml" ] && use_modules_cache && ! keep_dev_dependencies
}

modules_key="" pruned=""
install_dependencies() {
  local key saved
  key=$(deps_key); saved="$CACHE_DIR/node_modules/$key"
  echo "-----> Installing dependencies"
  if single_tree; then
    modules_key="nodejs-modules-v2-$key"
    echo "$modules_key node_modules" >> "$BP_DIR/layers"
    if cached_layer "$modules_key" || [ -d "$saved-prod" ]; then
      echo "       ${lock:-package.json} unchanged: restoring node_modules from the cache (no network install)"
      rm -rf "$BUILD_DIR/node_modules"; pruned=1
      cached_layer "$modules_key" || restore_install "$saved-prod"
      return
    fi
  elif use_modules_cache && [ -d "$saved" ]; then
    echo "       ${lock:-package.json} unchanged: restoring the install from the cache (no network install)"
    restore_install "$saved"
    return
  fi
  use_modules_cache || echo "       NODE_MODULES_CACHE=false: installing from scratch"
  [ -n "$lock" ] || echo "       no lockfile: $pm resolves the versions (commit the lockfile it writes for repeatable builds)"
  run_step "installing dependencies ($(install_command | tr '\n' ' ' | sed 's/ $//'))" run_install
  # An app without dependencies gets no node_modules from npm ci; the declared layer needs the directory.
  if [ -n "$modules_key" ]; then mkdir -p "$BUILD_DIR/node_modules"; fi
  rm -rf "$CACHE_DIR/node_modules"; mkdir -p "$CACHE_DIR/node_modules"
  if [ -z "$modules_key" ] && use_modules_cache; then save_install "$saved"; fi
  return 0
}

# install_command: the install as argv lines (printed in messages); run_install runs it.
install_command() {
  local frozen=${lock:+1}
  case $pm in
    npm) if [ -n "$frozen" ]; then echo npm; echo ci; else echo npm; echo install; fi
         npm_dev_flags include; printf '%s\n' --cache "$CACHE_DIR/npm" --prefer-offline --no-audit --no-fund ;;
    yarn) if [ -n "$berry" ]; then echo yarn; echo install; [ -z "$frozen" ] || echo --immutable
          else printf '%s\n' yarn install --production=false --cache-folder "$CACHE_DIR/yarn" --non-interactive; [ -z "$frozen" ] || echo --frozen-lockfile; fi ;;
    pnpm) printf '%s\n' pnpm install --prod=false --store-dir "$CACHE_DIR/pnpm"; [ -z "$frozen" ] || echo --frozen-lockfile ;;
  esac
}
run_install() {
  local argv=()
  mapfile -t argv < <(install_command)
  YARN_ENABLE_GLOBAL_CACHE=false YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=false "${argv[@]}"
}

# npm_dev_flags include|omit: npm 6 knows --production, npm 7+ --include/--omit.
npm_dev_flags() {
  if [ "${pm_version%%.*}" -le 6 ]; then
    if [ "$1" = include ]; then echo --production=false; else echo --production; fi
  else echo "--$1=dev"; fi
}

prune_dev_dependencies() {
  [ -z "$pruned" ] || return 0
  if keep_dev_dependencies; then
    echo "-----> Keeping devDependencies ($(keep_dev_reason))"
    return 0
  fi
  [ -d "$BUILD_DIR/node_modules" ] || [ -f "$BUILD_DIR/.pnp.cjs" ] || return 0
  echo "-----> Pruning devDependencies"
  case $pm in
    npm) run_step "pruning devDependencies (npm prune)" npm prune "$(npm_dev_flags omit)" --offline --no-audit --no-fund ;;
    yarn) prune_with_yarn ;;
    # `pnpm prune --prod` empties the node_modules of workspace packages (pnpm 9): an offline install does it right.
    pnpm) run_step "pruning devDependencies (pnpm install --prod --offline)" pnpm install --prod --frozen-lockfile --offline \
            --store-dir "$CACHE_DIR/pnpm" --config.confirmModulesPurge=false ;;
  esac
  if [ -n "$modules_key" ]; then save_install "$CACHE_DIR/node_modules/$(deps_key)-prod"; fi
  run_script heroku-cleanup
}

prune_with_yarn() {
  if [ -z "$berry" ]; then
    run_step "pruning devDependencies (yarn install --production)" yarn install --frozen-lockfile --production=true --offline --cache-folder "$CACHE_DIR/yarn" --non-interactive
  elif (cd "$BUILD_DIR" && yarn workspaces focus --help >/dev/null 2>&1); then
    run_step "pruning devDependencies (yarn workspaces focus --all --production)" env YARN_ENABLE_GLOBAL_CACHE=false yarn workspaces focus --all --production
  else
    echo "       devDependencies kept: this Yarn has no \`yarn workspaces focus\` (add the workspace-tools plugin)"
  fi
}
