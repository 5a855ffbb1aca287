// Reactor for the seed scenario of the embedding API (go-wasm-abi.md §8.5): `start` spawns a
// consumer goroutine that ranges over a buffered channel and calls the host import `on_event`
// for each value; `process` sends a value into the channel and returns.
package main

import "runtime"

//go:wasmimport host on_event
func onEvent(v int32)

var (
	ch       chan int32
	consumed int32
)

//go:wasmexport start
func start() {
	ch = make(chan int32, 4)
	go func() {
		for v := range ch {
			consumed++
			onEvent(v)
		}
	}()
}

//go:wasmexport process
func process(v int32) { ch <- v }

// process_yield sends and then yields once, so the runnable consumer gets to run.
//
//go:wasmexport process_yield
func processYield(v int32) {
	ch <- v
	runtime.Gosched()
}

//go:wasmexport consumed
func consumedCount() int32 { return consumed }

//go:wasmexport pending
func pending() int32 { return int32(len(ch)) }

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

func main() {}
