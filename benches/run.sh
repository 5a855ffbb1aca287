#!/usr/bin/env bash
# Side-by-side wall-clock comparison of gojit (lazy and eager), wasmtime (when on PATH or
# $WASMTIME is set) and native Go on the kernels of benches/go/main.go. Each cell is the median
# of $RUNS runs (default 5), measured in one interleaved loop so machine noise hits all engines.
#
#   benches/run.sh               # builds gojit (release), the wasm and the native binary
#   RUNS=9 benches/run.sh fib    # one kernel
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(hello fib sum indexbyte mix)

go_bin="$(bash scripts/ensure-go.sh)"
cargo build --release --quiet
out=target/bench && mkdir -p "$out"
(cd benches/go && GOOS=wasip1 GOARCH=wasm "$go_bin" build -trimpath -o "../../$out/bench.wasm" . \
  && "$go_bin" build -trimpath -o "../../$out/bench.native" .)

wasmtime="${WASMTIME:-$(command -v wasmtime || true)}"
engines=(native gojit gojit-eager)
[ -n "$wasmtime" ] && engines+=(wasmtime)

cmd() { # engine kernel
  case "$1" in
    native) echo "$out/bench.native $2" ;;
    gojit) echo "target/release/gojit run $out/bench.wasm $2" ;;
    gojit-eager) echo "target/release/gojit run --eager $out/bench.wasm $2" ;;
    wasmtime) echo "$wasmtime run -W max-wasm-stack=8388608 $out/bench.wasm $2" ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1 /proc/loadavg)"
[ -n "$wasmtime" ] && "$wasmtime" run "$out/bench.wasm" hello >/dev/null # warm wasmtime's code cache
printf '%-10s' kernel; for e in "${engines[@]}"; do printf ' %12s' "$e"; done; printf ' %14s\n' "gojit/native"
for k in "${kernels[@]}"; do
  declare -A t=()
  for ((i = 0; i < runs; i++)); do
    for e in "${engines[@]}"; do
      s=$(date +%s%N); $(cmd "$e" "$k") >/dev/null; f=$(date +%s%N)
      t[$e]+="$(( (f - s) / 1000000 )) "
    done
  done
  printf '%-10s' "$k"
  declare -A m=()
  for e in "${engines[@]}"; do m[$e]=$(tr ' ' '\n' <<<"${t[$e]}" | grep . | median); printf ' %10sms' "${m[$e]}"; done
  printf ' %13.1fx\n' "$(echo "${m[gojit]} / (${m[native]} + 0.001)" | bc -l)"
  unset t m
done
