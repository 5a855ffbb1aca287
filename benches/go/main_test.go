package main

import "testing"

var sink int

// BenchmarkKernel/NAME runs one op of the kernel per iteration.
func BenchmarkKernel(b *testing.B) {
	for _, k := range kernels {
		b.Run(k.name, func(b *testing.B) {
			s := 0
			for i := 0; i < b.N; i++ {
				s += k.op()
			}
			sink = s
		})
	}
}

// want: every kernel's result, as native Go (linux/amd64) computes it. The suite runs
// TestKernels under every engine before timing anything, so a wrong result cannot hide behind a
// fast time.
var want = map[string]int{
	"fib":         75025,
	"sum":         2147450880,
	"indexbyte":   -1,
	"pingpong":    1000,
	"maps":        49988490,
	"binarytrees": 423253,
	"mandelbrot":  336843,
	"nbody":       -4877854,
	"mix":         9712,
}

// TestKernels checks every kernel's result (twice: the second run sees warm state).
func TestKernels(t *testing.T) {
	for _, k := range kernels {
		for i := 0; i < 2; i++ {
			if got := k.op(); got != want[k.name] {
				t.Errorf("%s: got %d, want %d", k.name, got, want[k.name])
			}
		}
	}
}
