# The virtualenv as a cached layer (buildpacks/layers.ts, "Cached layers"): keyed by what decides what pip puts
# in it — Python's version, the kind and content of the dependency file, the app's PIP_* config. While they stay
# the same, the runner reuses the last build's layer: no venv is made and nothing is installed (Heroku's python
# buildpack reuses its cached site-packages the same way).

cached_layer() { [[ " ${TSPAAS_CACHED_LAYERS:-} " == *" $1 "* ]]; }

# The layer key of the venv for dependency kind $1, or nothing when its content cannot be told from the files:
# setup.py installs the project itself, and requirements lines may name local paths, editable or VCS checkouts.
venv_layer_key() {
  local kind=$1 files=()
  case "$kind" in
    setup | none) return ;;
    requirements)
      grep -qE '^\s*(-e|--editable|-r|--requirement|-c|--constraint|\.|/|file:)|git\+|hg\+|svn\+|bzr\+' "$BUILD_DIR/requirements.txt" && return
      files=(requirements.txt) ;;
    pipenv) files=(Pipfile.lock) ;;
    poetry) files=(poetry.lock pyproject.toml) ;;
    uv) files=(uv.lock pyproject.toml) ;;
    pep621) files=(pyproject.toml) ;;
  esac
  { python3 -c 'import platform; print(platform.python_version())'; echo "$kind"
    for f in "${files[@]}"; do echo "== $f"; cat "$BUILD_DIR/$f"; done
    env | grep -E '^PIP_' | grep -vE '^PIP_(CACHE_DIR|DISABLE_PIP_VERSION_CHECK|NO_INPUT|RETRIES|DEFAULT_TIMEOUT)=' | sort || true
  } | sha256sum | cut -c1-16 | sed 's/^/python-venv-v1-/'
}
