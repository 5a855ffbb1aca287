#!/usr/bin/env bash
# Rebuilds examples/plugin/plugin.wasm (a WASI reactor: -buildmode=c-shared) from main.go. The
# .wasm is committed so `cargo run --release --example plugin_host` works without Go; the build
# is reproducible (same Go version, same bytes).
set -euo pipefail
cd "$(dirname "$0")"
GOTOOLCHAIN=local GOWORK=off GOFLAGS= CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm \
  go build -buildmode=c-shared -trimpath -buildvcs=false -o plugin.wasm .
