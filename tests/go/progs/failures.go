package main

import (
	"fmt"
	"os"
	"unsafe"
)

type frame struct{ depth int }

//go:noinline
func (f frame) descend(msg string) {
	if f.depth > 0 {
		frame{f.depth - 1}.descend(msg)
		return
	}
	panic(msg)
}

// panic: an unrecovered panic a few frames deep: exit status 2, "panic: ..." and the goroutine
// trace on stderr.
func panicTest(_ []string) {
	fmt.Println("about to panic")
	fmt.Fprintln(os.Stderr, "stderr line before the panic")
	frame{3}.descend("something went wrong: 42")
}

//go:noinline
func lookup(s []string, i int) string { return s[i] }

// panic_runtime: an unrecovered runtime error (index out of range) in a deferred-call context.
func panicRuntime(args []string) {
	defer fmt.Println("deferred call runs before the crash")
	fmt.Println(lookup(args, 2+len(args)))
}

// panic_repanic: a recovered panic that panics again ("[recovered]" in the report).
func panicRepanic(_ []string) {
	defer func() {
		r := recover()
		panic(fmt.Sprintf("second panic after recovering %q", r))
	}()
	panic("first panic")
}

// panic_goroutine: a panic in a goroutine other than main ("created by" in the report).
func panicGoroutine(_ []string) {
	block := make(chan int)
	go func() {
		frame{2}.descend("panic in a goroutine")
	}()
	<-block
}

// deadlock: every goroutine blocked: "fatal error: all goroutines are asleep - deadlock!".
func deadlock(_ []string) {
	c := make(chan int)
	fmt.Println("waiting forever")
	go func() { c <- <-c }()
	<-c
}

//go:noinline
func badAddress() unsafe.Pointer { return unsafe.Pointer(uintptr(0xFFFFFFF0)) }

// crash: an out-of-bounds memory access through unsafe. Under the engine this is a wasm trap
// (exit 134, the function name main.crash on stderr); natively it is a SIGSEGV, so the harness
// runs it under the engine only.
//
//go:noinline
func crash(_ []string) {
	fmt.Println("reading 0xFFFFFFF0")
	p := (*uint64)(badAddress())
	fmt.Println(*p)
}
