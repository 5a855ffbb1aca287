// Command progs is gojit's Go subtest program.
//
// Usage: progs <subtest> [args...]
//
// The test harness (tests/go_programs.rs) builds this program twice with the real Go toolchain,
// natively (the host's GOOS/GOARCH) and as GOOS=wasip1 GOARCH=wasm, runs the native binary
// directly and the wasm module through gojit, and requires the same stdout, stderr and exit status
// (tracebacks are compared after a small documented normalization, see tests/common/mod.rs).
//
// Every subtest must therefore be deterministic on both platforms:
//   - no addresses, timings, goroutine scheduling order, map iteration order or random numbers
//     in the output (print sorted data, aggregates, checksums and boolean facts such as
//     "elapsed >= requested");
//   - GOMAXPROCS is 1 on wasm but the number of CPUs natively, so concurrent code must be
//     correct (and print the same thing) under any interleaving;
//   - floating-point results of math functions that have amd64 assembly implementations
//     (Exp, Log, Hypot and everything built on them) are printed with 12 significant digits,
//     because the assembly and the pure-Go versions may differ in the last ulp;
//   - only in-range float->int conversions: out-of-range ones legitimately differ (wasm saturates,
//     amd64 yields MinInt64), see shared/docs/go-wasm-abi.md section 4.8.
//
// The "crash" subtest is the exception: it is run only under the engine and must trap.
package main

import (
	"fmt"
	"os"
	"sort"
)

// subtests is the registry. Keep the names in sync with tests/go_programs.rs (the `list`
// subtest prints them and a test checks that every one is exercised).
var subtests = map[string]func(args []string){
	// basics.go
	"hello":   hello,
	"args":    argsEnv,
	"funcs":   funcs,
	"recover": recoverTest,
	"exit3":   exit3,
	"bigout":  bigOut,
	"stdin":   stdinTest,
	"fs":      fsTest,
	// text.go
	"strings": stringsTest,
	"sort":    sortTest,
	"fmt":     fmtTest,
	"strconv": strconvTest,
	"maps":    mapsTest,
	"reflect": reflectTest,
	"hashes":  hashesTest,
	// mathx.go
	"math":      mathTest,
	"mathfuncs": mathFuncs,
	"ints":      intsTest,
	// concurrency.go
	"channels":   channels,
	"select":     selectTest,
	"sync":       syncTest,
	"time":       timeTest,
	"gosched":    gosched,
	"goroutines": goroutines100k,
	"recursion":  recursion,
	"gc":         gcTest,
	// failures.go
	"panic":           panicTest,
	"panic_runtime":   panicRuntime,
	"panic_repanic":   panicRepanic,
	"panic_goroutine": panicGoroutine,
	"deadlock":        deadlock,
	"crash":           crash,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: progs <subtest> [args...]   (progs list: show subtests)")
		os.Exit(64)
	}
	name := os.Args[1]
	if name == "list" {
		names := make([]string, 0, len(subtests))
		for n := range subtests {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Println(n)
		}
		return
	}
	f, ok := subtests[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "progs: unknown subtest %q\n", name)
		os.Exit(64)
	}
	f(os.Args[2:])
}
