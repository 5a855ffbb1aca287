package main

// The suite's own workloads. Each kernel does one unit of work ("op") and returns a value that
// depends on all of it, so nothing is optimised away. main_test.go runs them as Go benchmarks
// (ns/op, as for the standard-library rows); main.go runs them as a program (wall time).

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// fib: call-heavy recursion (calls, returns, Go's stack checks and resume-point dispatch).
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func fibOp() int { return fib(25) }

var sumData = func() []int64 {
	a := make([]int64, 1<<16)
	for i := range a {
		a[i] = int64(i)
	}
	return a
}()

// sum: a tight loop over a slice (loop back-edges, bounds checks, loads).
//
//go:noinline
func sum(a []int64) int64 {
	var s int64
	for _, v := range a {
		s += v
	}
	return s
}

func sumOp() int64 { return sum(sumData) }

var ibData = bytes.Repeat([]byte("abcdefgh"), 1<<14) // 128 KiB, no 'z'

// indexbyte: bytes.IndexByte over 128 KiB without a match (assembly in native Go).
func indexByteOp() int { return bytes.IndexByte(ibData, 'z') }

// pingpong: two goroutines exchanging a value over unbuffered channels, 1000 round trips
// (scheduler, channel operations, goroutine switches).
func pingPongOp() int {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	<-pong
	return v
}

// maps: inserts, lookups and deletes in map[int]int and map[string]int (hashing, probing,
// growth).
func mapsOp() int {
	m := make(map[int]int)
	for i := 0; i < 10000; i++ {
		m[i*7919%20011] += i
	}
	n := 0
	for i := 0; i < 20000; i++ {
		n += m[i]
	}
	for i := 0; i < 10000; i += 3 {
		delete(m, i)
	}
	s := make(map[string]int)
	for i := 0; i < 2000; i++ {
		s["key"+strconv.Itoa(i%500)] += i
	}
	return n + len(m) + len(s) + s["key7"]
}

type node struct{ l, r *node }

func bottomUp(d int) *node {
	if d <= 0 {
		return &node{}
	}
	return &node{bottomUp(d - 1), bottomUp(d - 1)}
}

func (n *node) check() int {
	if n.l == nil {
		return 1
	}
	return 1 + n.l.check() + n.r.check()
}

// binarytrees: allocation and GC stress (the Benchmarks Game program, depth 14 per op).
func binaryTreesOp() int {
	const maxDepth = 14
	long := bottomUp(maxDepth)
	n := 0
	for d := 4; d <= maxDepth; d += 2 {
		iters := 1 << (maxDepth - d + 4)
		for i := 0; i < iters/8; i++ {
			n += bottomUp(d).check()
		}
	}
	return n + long.check()
}

// mandelbrot: a float64 loop (64x64 points, up to 200 iterations each).
func mandelbrotOp() int {
	const size, maxIter = 64, 200
	n := 0
	for y := 0; y < size; y++ {
		ci := 2*float64(y)/size - 1
		for x := 0; x < size; x++ {
			cr := 2*float64(x)/size - 1.5
			zr, zi := 0.0, 0.0
			i := 0
			for ; i < maxIter && zr*zr+zi*zi <= 4; i++ {
				zr, zi = zr*zr-zi*zi+cr, 2*zr*zi+ci
			}
			n += i
		}
	}
	return n
}

// nbody: float64 arithmetic over structs (5 bodies, 1000 steps per op).
type body struct{ x, y, z, vx, vy, vz, m float64 }

func nbodyOp() float64 {
	bs := []body{
		{0, 0, 0, 0, 0, 0, 39.47},
		{4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037},
		{8.34, 4.12, -0.4, -1.01, 1.82, 0.008, 0.011},
		{12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017},
		{15.37, -25.9, 0.179, 0.979, 0.594, -0.034, 0.002},
	}
	const dt = 0.01
	for s := 0; s < 1000; s++ {
		for i := range bs {
			for j := i + 1; j < len(bs); j++ {
				dx, dy, dz := bs[i].x-bs[j].x, bs[i].y-bs[j].y, bs[i].z-bs[j].z
				d2 := dx*dx + dy*dy + dz*dz
				mag := dt / (d2 * sqrt(d2))
				bs[i].vx -= dx * bs[j].m * mag
				bs[i].vy -= dy * bs[j].m * mag
				bs[i].vz -= dz * bs[j].m * mag
				bs[j].vx += dx * bs[i].m * mag
				bs[j].vy += dy * bs[i].m * mag
				bs[j].vz += dz * bs[i].m * mag
			}
		}
		for i := range bs {
			bs[i].x += dt * bs[i].vx
			bs[i].y += dt * bs[i].vy
			bs[i].z += dt * bs[i].vz
		}
	}
	return bs[0].x + bs[1].y
}

// sqrt by Newton's method, so the float loop does not depend on math.Sqrt's lowering.
func sqrt(x float64) float64 {
	z := x / 2
	for i := 0; i < 20; i++ {
		z -= (z*z - x) / (2 * z)
	}
	return z
}

// mix: strconv, string building, a map and a sort (typical "business logic").
func mixOp() int {
	m := map[string]int{}
	var sb strings.Builder
	for i := 0; i < 3000; i++ {
		k := strconv.Itoa(i * 7919 % 1009)
		m[k]++
		sb.WriteString(k)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return len(keys) + sb.Len() + len(keys[len(keys)/2])
}

// kernels by name, for main.go and main_test.go.
var kernels = []struct {
	name string
	op   func() int
}{
	{"fib", fibOp},
	{"sum", func() int { return int(sumOp()) }},
	{"indexbyte", indexByteOp},
	{"pingpong", pingPongOp},
	{"maps", mapsOp},
	{"binarytrees", binaryTreesOp},
	{"mandelbrot", mandelbrotOp},
	{"nbody", func() int { return int(nbodyOp() * 1e6) }},
	{"mix", mixOp},
}
