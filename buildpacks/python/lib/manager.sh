# Which package manager's files an app has (Heroku's python buildpack's rules): requirements.txt, Pipfile.lock,
# poetry.lock, uv.lock, else a plain pyproject.toml or setup.py; the lockfile becomes pinned pip requirements.

# The kind of dependency file: requirements | pipenv | poetry | uv | pep621 | setup | none; fails on ambiguity.
python_package_manager() {
  local found=() f
  if [ -f "$BUILD_DIR/requirements.txt" ] && grep -qvE '^\s*(#|$)' "$BUILD_DIR/requirements.txt"; then found+=(requirements.txt); fi
  for f in Pipfile.lock poetry.lock uv.lock; do [ -f "$BUILD_DIR/$f" ] && found+=("$f"); done
  if [ "${#found[@]}" -gt 1 ]; then
    fail "found $(printf '%s, ' "${found[@]}" | sed 's/, $//'): several package managers' files; keep only the one of the package manager the app uses"
  fi
  case "${found[0]:-}" in
    requirements.txt) echo requirements ;;
    Pipfile.lock) echo pipenv ;;
    poetry.lock) echo poetry ;;
    uv.lock) echo uv ;;
    *) no_lockfile_kind ;;
  esac
}

# Without a lockfile: a Pipfile or a Poetry project is an error (they need their lockfile), else pep621 / setup / none.
no_lockfile_kind() {
  [ -f "$BUILD_DIR/Pipfile" ] && fail "Pipfile without Pipfile.lock: run \`pipenv lock\` and commit Pipfile.lock"
  if [ -f "$BUILD_DIR/pyproject.toml" ]; then
    grep -q '^\[tool\.poetry\]' "$BUILD_DIR/pyproject.toml" \
      && fail "pyproject.toml is a Poetry project without poetry.lock: run \`poetry lock\` and commit poetry.lock"
    echo pep621
  elif [ -f "$BUILD_DIR/setup.py" ]; then echo setup
  else echo none; fi
}

# Install what the lockfile (or pyproject.toml) of KIND pins, through lib/lockfile.py and pip.
install_locked() {
  local kind=$1 file=$2 reqs err n hashes=""
  reqs=$(mktemp) err=$(mktemp)
  "$VENV/bin/python" "$BP_DIR/lib/lockfile.py" "$kind" "$BUILD_DIR" > "$reqs" 2> "$err" || fail "$(head -c 2000 "$err")"
  n=$(grep -c . "$reqs") || true
  if [ "$n" -eq 0 ]; then echo "       $file lists no packages to install"; return; fi
  if [ "$kind" = pep621 ]; then
    echo "       $n dependencies of $file (no lockfile: pip picks their versions)"
  else
    if grep -q -- '--hash=' "$reqs"; then hashes=" (with their hashes)"; fi
    echo "       $n packages pinned by $file$hashes"
  fi
  pip_install "the packages of $file" -r "$reqs"
}
