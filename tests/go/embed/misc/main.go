// Reactor for the embedding tests of re-entrancy, failures, the memory limit and idleness.
package main

import (
	"os"
	"runtime"
	"time"
	"unsafe"
)

// call_back is implemented by the host as a re-entrant call of export `double`, plus one.
//
//go:wasmimport host call_back
func callBack(v int32) int32

//go:wasmimport host note
func note(s string)

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

//go:wasmexport double
func double(v int32) int32 { return 2 * v }

// reenter(v) = callBack(v) + 1 = (2v + 1) + 1.
//
//go:wasmexport reenter
func reenter(v int32) int32 {
	buf := make([]byte, 64) // live across the host call, which runs Go code again
	for i := range buf {
		buf[i] = byte(v)
	}
	r := callBack(v)
	for _, b := range buf {
		if b != byte(v) {
			return -1
		}
	}
	return r + 1
}

// descend is implemented by the host as a re-entrant call of export `depth_step`.
//
//go:wasmimport host descend
func descend(n int32) int32

// reenter_deep(n) recurses through the host n levels (export -> import -> export -> ...) and
// returns n.
//
//go:wasmexport reenter_deep
func reenterDeep(n int32) int32 {
	if n == 0 {
		return 0
	}
	return descend(n) + 1
}

//go:wasmexport depth_step
func depthStep(n int32) int32 { return reenterDeep(n - 1) }

//go:wasmexport do_panic
func doPanic() { panic("boom from an export") }

//go:wasmexport deadlock
func deadlock() { select {} }

//go:wasmexport block_forever
func blockForever() { <-make(chan int32) }

// oob loads from an address past the end of linear memory (4 GiB - 16): a wasm trap.
//
//go:wasmexport oob
func oob() int32 {
	p := (*int32)(unsafe.Pointer(uintptr(0xFFFF_FFF0)))
	return *p
}

//go:wasmexport exit3
func exit3() { os.Exit(3) }

var hoard [][]byte

// alloc_mib allocates n MiB in 1 MiB chunks and keeps them; returns the number kept.
//
//go:wasmexport alloc_mib
func allocMiB(n int32) int32 {
	for i := int32(0); i < n; i++ {
		b := make([]byte, 1<<20)
		b[0] = byte(i)
		hoard = append(hoard, b)
	}
	return int32(len(hoard))
}

//go:wasmexport free_all
func freeAll() {
	hoard = nil
	runtime.GC()
}

var fired int32

// start_timers leaves a timer and a sleeping goroutine pending for an hour.
//
//go:wasmexport start_timers
func startTimers() {
	time.AfterFunc(time.Hour, func() { fired++ })
	go func() {
		time.Sleep(time.Hour)
		fired++
	}()
}

//go:wasmexport fired
func firedCount() int32 { return fired }

var spins int64

// start_spinner starts a goroutine that never parks: it yields forever.
//
//go:wasmexport start_spinner
func startSpinner() {
	go func() {
		for {
			spins++
			runtime.Gosched()
		}
	}()
}

//go:wasmexport spins
func spinCount() int64 { return spins }

// start_worker: a goroutine that computes for a while after being woken, then parks again.
var work = make(chan int32)
var done int32

//go:wasmexport start_worker
func startWorker() {
	go func() {
		for n := range work {
			s := int32(0)
			for i := int32(0); i < n; i++ {
				if i%1000 == 0 {
					runtime.Gosched()
				}
				s += i & 1
			}
			done += s
			note("worker done")
		}
	}()
}

//go:wasmexport kick
func kick(n int32) {
	go func() { work <- n }()
}

//go:wasmexport done
func doneCount() int32 { return done }

//go:wasmexport sleep_ms
func sleepMs(ms int32) { time.Sleep(time.Duration(ms) * time.Millisecond) }

func main() {}
