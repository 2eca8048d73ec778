# The app's config vars during the build, as Heroku's buildpack has them (sourced by bin/compile).

# export_config_vars: every ENV_DIR file as a variable (npm/yarn/pnpm read NPM_CONFIG_*, YARN_*, …), except
# those that would break the build itself; NODE_ENV defaults to production.
export_config_vars() {
  local file name
  for file in "$ENV_DIR"/*; do
    [ -f "$file" ] || continue
    name=${file##*/}
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    [[ $name =~ ^(PATH|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|LANG|BUILD_DIR|HOME)$ ]] && continue
    export "$name=$(cat "$file")"
  done
  export NODE_ENV=${NODE_ENV:-production}
  REGISTRY=${NPM_CONFIG_REGISTRY:-${npm_config_registry:-https://registry.npmjs.org}}
  REGISTRY=${REGISTRY%/}
  # Yarn 2+ does not read npm's setting; its own default is registry.yarnpkg.com.
  export YARN_NPM_REGISTRY_SERVER=${YARN_NPM_REGISTRY_SERVER:-$REGISTRY}
}

# keep_dev_dependencies: true when the config says devDependencies stay (Heroku: NPM_CONFIG_PRODUCTION=false,
# YARN_PRODUCTION=false, or a NODE_ENV other than production).
keep_dev_dependencies() {
  [ "${NPM_CONFIG_PRODUCTION:-}" = false ] || [ "${YARN_PRODUCTION:-}" = false ] || [ "$NODE_ENV" != production ]
}

# keep_dev_reason: the settings that make keep_dev_dependencies true, as "NAME=value" words.
keep_dev_reason() {
  local reasons=()
  [ "${NPM_CONFIG_PRODUCTION:-}" != false ] || reasons+=("NPM_CONFIG_PRODUCTION=false")
  [ "${YARN_PRODUCTION:-}" != false ] || reasons+=("YARN_PRODUCTION=false")
  [ "$NODE_ENV" = production ] || reasons+=("NODE_ENV=$NODE_ENV")
  echo "${reasons[*]}"
}

# use_modules_cache: false when NODE_MODULES_CACHE=false (every build installs from scratch, as on Heroku).
use_modules_cache() { [ "${NODE_MODULES_CACHE:-true}" != false ]; }
