# pip into the app's venv: the index settings from the app's config (PIP_* files in ENV_DIR), and a failed
# install explained in one line (index unreachable, a hash that does not match the lockfile, a missing package).

# Export every PIP_* config var of the app (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST, PIP_CERT, ...).
pip_config_from_env() {
  local f name
  export PIP_CACHE_DIR="$CACHE_DIR/pip" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_RETRIES=2 PIP_DEFAULT_TIMEOUT=20
  for f in "$ENV_DIR"/PIP_*; do
    [ -f "$f" ] || continue
    name=${f##*/}
    [[ "$name" =~ ^PIP_[A-Z0-9_]+$ ]] && export "$name=$(cat "$f")"
  done
  echo "       Package index: ${PIP_INDEX_URL:-https://pypi.org/simple (PyPI; set PIP_INDEX_URL for another)}"
  if [ -n "${PIP_EXTRA_INDEX_URL:-}" ]; then echo "       Extra index: $PIP_EXTRA_INDEX_URL"; fi
}

# pip install ARGS... for WHAT (e.g. "requirements.txt"); its output indented; on failure one line saying why.
pip_install() {
  local what=$1 log rc=0
  shift
  log=$(mktemp)
  "$VENV/bin/pip" install --progress-bar off "$@" 2>&1 | tee "$log" | sed -u 's/^/       /' || rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then explain_pip_failure "$what" "$rc" "$log"; fi
  rm -f "$log"
}

# Fail with the reason pip gave, in the words a user can act on.
explain_pip_failure() {
  local what=$1 rc=$2 log=$3 index=${PIP_INDEX_URL:-https://pypi.org/simple} reason
  reason=$(grep -E '^ERROR: ' "$log" | tail -n1 | cut -c8-) || true
  if grep -qE 'NewConnectionError|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|timed out' "$log"; then
    fail "pip could not reach the package index $index to install $what (exit code $rc): ${reason:-no answer}" \
      "Set PIP_INDEX_URL (and PIP_EXTRA_INDEX_URL) in the app's config to an index this build can reach."
  elif grep -q 'DO NOT MATCH THE HASHES' "$log"; then
    fail "pip refused a download for $what: its hash is not the one in the lockfile ($(grep -m1 -oE '^ +[A-Za-z0-9_.-]+==[^ ]+' "$log" | xargs))" \
      "The index serves other files than the lockfile was made with: lock again against this index."
  fi
  fail "pip could not install $what (exit code $rc): ${reason:-see the output of pip above}"
}

# A new venv at $VENV with the dependencies of kind $1 (python_package_manager) installed by pip.
install_dependencies() {
  local kind=$1 err
  rm -rf "$VENV"
  err=$(python3 -m venv "$VENV" 2>&1) || fail "could not create the virtualenv at /app/.venv: $err"
  case "$kind" in
    requirements)
      echo "-----> Installing requirements.txt with pip"
      pip_install requirements.txt -r "$BUILD_DIR/requirements.txt" ;;
    pipenv | poetry | uv | pep621)
      declare -A FILE=([pipenv]=Pipfile.lock [poetry]=poetry.lock [uv]=uv.lock [pep621]=pyproject.toml)
      echo "-----> Installing ${FILE[$kind]} with pip"
      install_locked "$kind" "${FILE[$kind]}" ;;
    setup)
      echo "-----> Installing the project (setup.py) with pip"
      pip_install "the project (setup.py)" "$BUILD_DIR" ;;
    none) echo "-----> No dependencies to install" ;;
  esac
}
