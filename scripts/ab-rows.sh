#!/usr/bin/env bash
# A/B comparison of gojit settings on call-heavy benchmark rows, as used for the tuning numbers
# in docs/BENCHMARKS.md (fourth session: inlining size, function alignment, tier-up budget, on
# the first 12 rows; fifth session: the memory base loaded once per function, on all 14).
#
#   scripts/ab-rows.sh RUNS 'VAR=a' 'VAR=b' ...   # e.g. scripts/ab-rows.sh 3 GOJIT_TIERUP_BUDGET=20000 GOJIT_TIERUP_BUDGET=2000
#
# A setting may set several variables ('A=1 B=2'). Every row runs in compress/flate's package
# directory with the host's / preopened, as `go test` would run that package (its benchmarks read
# ../testdata); the other rows do not touch files.
#
# AB_ROWS='pkg bench iters;pkg bench iters' replaces the row list (pkg as the binary's name in
# target/bench/bin, e.g. `slices ^BenchmarkSortFuncStruct$/^Size1024$ 15000`).
#
# Each setting gets its own code cache (warmed by one untimed round); prints the median ns/op
# of every row per setting and the geometric mean of each setting's time relative to the first.
# Needs the suite's binaries (benches/run.sh builds them into target/bench/bin).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=$1; shift
bin=$PWD/target/bench/bin; gojit=$PWD/target/release/gojit; out=$(mktemp)
pkgdir="$("$(bash scripts/ensure-go.sh)" env GOROOT)/src/compress/flate"
rows=(
  "fmt ^BenchmarkSprintfFloat$ 300000" "fmt ^BenchmarkManyArgs$ 150000"
  "encoding_json ^BenchmarkCodeEncoder$ 10" "encoding_json ^BenchmarkCodeDecoder$ 4"
  "regexp ^BenchmarkMatchClass$ 30000" "sort ^BenchmarkStableString1K$ 300"
  "bench ^BenchmarkKernel$/^binarytrees$ 10" "bench ^BenchmarkKernel$/^fib$ 400"
  "bench ^BenchmarkKernel$/^maps$ 100" "internal_strconv ^BenchmarkFormatFloat$/^Float$ 1000000"
  "compress_flate ^BenchmarkEncode$/^Digits$/^Default$/^1e5$ 40"
  "compress_flate ^BenchmarkDecode$/^Digits$/^Default$/^1e5$ 100"
  "strings ^BenchmarkFields$/^Mixed$/^4096$ 3000" "math_big ^BenchmarkString$/^10000$/^Base10$ 3000"
)
if [ -n "${AB_ROWS:-}" ]; then
  IFS=';' read -r -a rows <<<"$AB_ROWS"
fi
cache=$(mktemp -d)
settings=("$@")
for r in $(seq 0 "$runs"); do
  for row in "${rows[@]}"; do
    read -r pkg bench iters <<<"$row"
    for k in "${!settings[@]}"; do
      # shellcheck disable=SC2086 # a setting may hold several assignments
      ns=$(cd "$pkgdir" && env ${settings[$k]} GOJIT_CACHE_DIR="$cache/$k" "$gojit" run --dir=/ \
        --env PWD="$pkgdir" "$bin/$pkg.wasip1.wasm" \
        -test.run='^$' -test.bench="$bench" -test.benchtime="${iters}x" -test.cpu=1 2>&1 | awk '/ns\/op/{print $3}')
      [ "$r" -gt 0 ] && echo "$bench $k $ns" >> "$out"
    done
  done
done
python3 - "$out" "${settings[@]}" <<'PY'
import collections, math, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    b, k, ns = line.split()
    d[(b, int(k))].append(float(ns))
names = sys.argv[2:]
rows = sorted({b for b, _ in d})
logs = [0.0] * len(names)
for b in rows:
    base = statistics.median(d[(b, 0)])
    cells = []
    for k in range(len(names)):
        m = statistics.median(d[(b, k)])
        logs[k] += math.log(m / base)
        cells.append(f"{m / base:.3f}")
    print(f"{b:45} {base:>12.1f} ns  " + "  ".join(cells))
print("geomean relative to", names[0] + ":", "  ".join(f"{n}: {math.exp(l / len(rows)):.3f}" for n, l in zip(names, logs)))
PY
