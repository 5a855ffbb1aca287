#!/usr/bin/env bash
# Differential fuzzing soak: wasm-smith and Go-shaped modules on wasmi and on every gojit tier
# (interpreter, baseline, optimized, OSR, Go lowerings off), comparing results, trap kinds,
# linear memory and exported globals after every call (tests/fuzz.rs, tests/differential/fuzz.rs).
#
#   scripts/fuzz.sh --seconds N [--seed S]
#
# Builds the test binary once (release), then runs the soak for N seconds starting at seed S
# (default 1000000; the test suite's slice uses seeds below 1000000) and prints the totals:
# modules, calls, divergences, per tier. Exits non-zero if any call diverged; every divergence
# names its seed, and `GOJIT_FUZZ_ONE=go:SEED` (or `smith:SEED`) reruns just that case.
# Honours CARGO_TARGET_DIR. Runs under `nice`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
seed=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin=$(nice -n 10 cargo test --release --test fuzz --no-run --message-format=json 2>/dev/null \
  | grep '"executable":"[^"]' | grep '"name":"fuzz"' | tail -1 \
  | sed 's/.*"executable":"\([^"]*\)".*/\1/')
if [ -z "$bin" ]; then
  echo "fuzz.sh: could not build the fuzz test (run: cargo test --release --test fuzz --no-run)" >&2
  exit 1
fi
echo "fuzz.sh: $bin, ${seconds} s from seed $seed, at $(git rev-parse --short HEAD)"
GOJIT_FUZZ_SECONDS=$seconds GOJIT_FUZZ_SEED=$seed nice -n 10 "$bin" differential_fuzz --nocapture 2>&1 \
  | grep --line-buffered -v '^test \|^running \|^$'
