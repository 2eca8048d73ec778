# go.mod's `go` and `toolchain` directives checked against the build stack's Go (Debian's): builds run with
# GOTOOLCHAIN=local (no toolchain download), so a newer version asked for is an error naming both versions.

# Succeed when dotted version A is newer than B (1.21 > 1.19.8; 1.19 is not newer than 1.19.8).
version_newer() {
  [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n1)" = "$1" ] && [[ "$2" != "$1".* ]]
}

# Print the Go in use, or fail when go.mod asks for a newer go or toolchain than the installed one.
check_go_version() {
  local have go_line toolchain asked
  have=$(go env GOVERSION)
  go_line=$(awk '$1 == "go" { print $2; exit }' go.mod)
  toolchain=$(awk '$1 == "toolchain" { print $2; exit }' go.mod)
  asked="go ${go_line:-(none)}${toolchain:+ (toolchain $toolchain)}"
  if { [ -n "$go_line" ] && version_newer "$go_line" "${have#go}"; } \
    || { [ -n "$toolchain" ] && [ "$toolchain" != default ] && version_newer "${toolchain#go}" "${have#go}"; }; then
    fail "go.mod asks for $asked; this host has $have" \
      "Builds use the build stack's Go only (GOTOOLCHAIN=local, no toolchain download): set \`go ${have#go}\` in go.mod${toolchain:+ and drop the toolchain line} if the code builds with $have."
  fi
  echo "       go.mod asks for $asked: building with $have"
}
