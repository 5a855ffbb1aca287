#!/usr/bin/env bash
# Rebuilds examples/jsplugin/jsplugin.wasm (a GOOS=js program) from main.go. The .wasm is
# committed so `cargo run --release --example js_host` works without Go; the build is
# reproducible (same Go version, same bytes).
set -euo pipefail
cd "$(dirname "$0")"
GOTOOLCHAIN=local GOWORK=off GOFLAGS= CGO_ENABLED=0 GOOS=js GOARCH=wasm \
  go build -trimpath -buildvcs=false -o jsplugin.wasm .
