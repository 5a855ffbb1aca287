// The guests of tests/interrupt.rs and tests/limits.rs: each mode runs until the host
// interrupts it, computing (a loop, a recursion without loops) or waiting in the host (a sleep,
// a read of stdin, idle goroutines), or until it exhausts its memory (oom).
package main

import (
	"fmt"
	"os"
	"time"
)

var sink int

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	switch os.Args[1] {
	case "loop", "fib", "sleep", "read", "goroutines":
		// Past Go's runtime and package initialization: tell the test the endless part starts.
		fmt.Println("running")
	}
	switch os.Args[1] {
	case "loop":
		for i := 0; ; i++ {
			sink += i
		}
	case "fib":
		fmt.Println(fib(100))
	case "sleep":
		time.Sleep(time.Hour)
	case "read":
		b := make([]byte, 10)
		n, err := os.Stdin.Read(b)
		fmt.Println(n, err)
	case "goroutines":
		for i := 0; i < 4; i++ {
			go func() {
				for {
					sink++
					time.Sleep(time.Millisecond)
				}
			}()
		}
		select {}
	case "oom":
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
		}
	case "ok":
		fmt.Println("ok")
	}
}
