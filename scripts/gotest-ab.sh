#!/usr/bin/env bash
# A/B of two gojit builds on `go test` binaries: each package's test binary is built once the way
# `go test` builds it (`-ldflags=-s -w`, no name section) and run by the two builds'
# go_wasip1_wasm_exec alternately, RUNS times each (default 2), in the package's directory, each
# run with a fresh, empty code cache; prints the wall times.
#
#   OLD=/path/to/old/go_wasip1_wasm_exec NEW=target/release/go_wasip1_wasm_exec \
#     scripts/gotest-ab.sh text/template bufio math/big
#
# Build the old side from another worktree with its own target directory, e.g.
#   git worktree add /tmp/wt-old HEAD~1 && (cd /tmp/wt-old && CARGO_TARGET_DIR=/tmp/old-target \
#     cargo build --release --bin go_wasip1_wasm_exec)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
go="$(bash "$repo/scripts/ensure-go.sh")"
goroot="$("$go" env GOROOT)"
old="${OLD:?OLD=path of the old go_wasip1_wasm_exec}"
new="${NEW:-$repo/target/release/go_wasip1_wasm_exec}"
runs="${RUNS:-2}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gojit-gotest-ab-XXXXXX")"
trap 'rm -rf "$work"' EXIT
for pkg in "$@"; do
  bin="$work/$(echo "$pkg" | tr / _).wasm"
  GOOS=wasip1 GOARCH=wasm "$go" test -c -ldflags="-s -w" -o "$bin" "$pkg"
  old_times="" new_times=""
  for _ in $(seq "$runs"); do
    for side in old new; do
      exe="$old"; [ $side = new ] && exe="$new"
      cache="$(mktemp -d "$work/cache-XXXXXX")"
      start=$(date +%s%N)
      (cd "$goroot/src/$pkg" && GOJIT_CACHE_DIR="$cache" "$exe" "$bin" -test.paniconexit0 \
        -test.timeout=10m >"$work/log" 2>&1) ||
        echo "$pkg: the $side build's run failed: $(tail -1 "$work/log")" >&2
      end=$(date +%s%N)
      rm -rf "$cache"
      secs="$(awk -v n=$((end - start)) 'BEGIN { printf "%.2f", n / 1e9 }')"
      if [ $side = old ]; then old_times+=" $secs"; else new_times+=" $secs"; fi
    done
  done
  echo "$pkg: old${old_times} s; new${new_times} s"
done
