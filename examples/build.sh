#!/usr/bin/env bash
# Rebuilds examples/hello.wasm from examples/hello (committed, so the tests and the README's
# example need no Go toolchain). The build is reproducible: same Go version, same bytes.
set -euo pipefail
cd "$(dirname "$0")/hello"
GOTOOLCHAIN=local GOWORK=off GOFLAGS= CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm \
  go build -trimpath -buildvcs=false -o ../hello.wasm .
