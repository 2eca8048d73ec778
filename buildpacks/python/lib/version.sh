# The Python version an app asks for (.python-version, else runtime.txt) checked against the stack's only Python,
# Debian's python3: another version is an error naming both, never a silent substitute.

# Succeed when `asked` (3.11 or 3.11.2) names `available` (3.11.2).
version_matches() {
  [ "$1" = "$2" ] || [[ "$2" == "$1".* ]]
}

# The version asked for and the file it came from, as "FILE VERSION"; nothing when the app asks for none.
asked_python_version() {
  local raw
  if [ -f "$BUILD_DIR/.python-version" ]; then
    raw=$(grep -vE '^\s*(#|$)' "$BUILD_DIR/.python-version" | head -n1 | tr -d '[:space:]') || true
    echo ".python-version ${raw:-<empty>}"
  elif [ -f "$BUILD_DIR/runtime.txt" ]; then
    raw=$(tr -d '[:space:]' < "$BUILD_DIR/runtime.txt")
    echo "runtime.txt ${raw:-<empty>}"
  fi
}

# Print the Python in use, or fail when the app asks for another one than the stack's.
check_python_version() {
  local available file asked
  available=$(python3 -c 'import platform; print(platform.python_version())')
  read -r file asked <<< "$(asked_python_version)"
  if [ -z "${file:-}" ]; then
    echo "       No Python version asked for (.python-version or runtime.txt): using the stack's Python $available"
    return
  fi
  if [ "$file" = runtime.txt ]; then
    [[ "$asked" == python-* ]] || fail "runtime.txt says '$asked': it must be python-<version>, e.g. python-$available"
    asked=${asked#python-}
  fi
  [[ "$asked" =~ ^3(\.[0-9]+){1,2}$ ]] \
    || fail "$file says '$asked': expected a Python 3 version such as ${available%.*} or $available"
  version_matches "$asked" "$available" || fail \
    "$file asks for Python $asked; this stack has only Python $available (Debian's python3)." \
    "Ask for ${available%.*} or $available in $file to use it; no other Python is installed here."
  echo "       $file asks for Python $asked: using the stack's Python $available"
}
