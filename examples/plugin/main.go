// A Go plugin for gojit's embedding API, built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// The host (examples/plugin_host.rs) provides the `host` imports and calls the exports. The
// seed scenario: `start` spawns a consumer goroutine that reports every value it receives
// through the host import `on_event`; `process` hands it a value.
package main

import (
	"runtime"
	"unsafe"
)

// on_event is called by the consumer goroutine for every value `process` sent.
//
//go:wasmimport host on_event
func onEvent(v int32)

// tick is a trivial host function; `loop_host` calls it n times.
//
//go:wasmimport host tick
func tick(i int32) int32

// log passes a string to the host (as a pointer and a length into linear memory).
//
//go:wasmimport host log
func hostLog(msg string)

var (
	events   chan int32
	consumed int32
)

// start spawns the consumer goroutine.
//
//go:wasmexport start
func start() {
	events = make(chan int32, 4)
	go func() {
		for v := range events {
			consumed++
			onEvent(v)
		}
	}()
}

// process sends v to the consumer and returns. Whether the consumer has run when it returns
// depends on the call mode (Go's own semantics, or park-until-idle).
//
//go:wasmexport process
func process(v int32) { events <- v }

// process_yield sends v and yields, letting the consumer run.
//
//go:wasmexport process_yield
func processYield(v int32) {
	events <- v
	runtime.Gosched()
}

// consumed is how many values the consumer has taken.
//
//go:wasmexport consumed
func consumedCount() int32 { return consumed }

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

// loop_host calls the host's `tick` n times and sums the results.
//
//go:wasmexport loop_host
func loopHost(n int32) int64 {
	s := int64(0)
	for i := int32(0); i < n; i++ {
		s += int64(tick(i))
	}
	return s
}

var buffers [][]byte

// alloc returns a Go-owned buffer of n bytes for the host to write into (kept alive until
// `free_all`).
//
//go:wasmexport alloc
func alloc(n int32) unsafe.Pointer {
	b := make([]byte, n)
	buffers = append(buffers, b)
	return unsafe.Pointer(unsafe.SliceData(b))
}

//go:wasmexport free_all
func freeAll() { buffers = nil }

// greet takes a string the host placed in linear memory and logs a greeting back to the host.
//
//go:wasmexport greet
func greet(name string) int32 {
	msg := "hello, " + name + "!"
	hostLog(msg)
	return int32(len(msg))
}

func main() {}
