#!/usr/bin/env bash
# gojit's benchmark suite. The runner is benches/bench.py (`benches/run.sh --help` for options);
# results and how to read them: docs/BENCHMARKS.md.
#
#   benches/run.sh                    # full suite: every engine found, 3 interleaved runs (15-20 min on 2 cores)
#   benches/run.sh --quick            # 8 rows, 1 run, no GOJIT_GO_OPT columns (~1 min with warm caches)
#   benches/run.sh --only 'json|fib' --runs 5 --no-startup
#   benches/run.sh --engines native,gojit,gojit-opts --no-startup   # each Go-aware lowering
#   benches/run.sh gotest [PKG...]    # issue 5's `go test` list, gojit vs wasmtime, cold caches
#                                     # (scripts/gotest-table.sh)
#
# Needs python3 and cargo; installs the pinned Go with scripts/ensure-go.sh. Engines that are not
# found (wasmtime CLI, node) are reported as missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = gotest ]; then
  shift
  GOJIT_GOTEST_CACHE=cold exec bash scripts/gotest-table.sh "$@"
fi
exec python3 benches/bench.py "$@"
