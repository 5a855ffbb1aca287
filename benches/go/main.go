// Command bench runs the suite's own kernels (kernels.go) as a program:
//
//	bench KERNEL [OPS]   # runs OPS ops (default 100) of KERNEL and prints a checksum
//	bench hello          # prints "hello" (start-up)
//
// The suite itself runs the same kernels as Go benchmarks (main_test.go) from a `go test -c`
// binary, so that every row reports Go's own ns/op.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench KERNEL [OPS] | hello")
		os.Exit(2)
	}
	if os.Args[1] == "hello" {
		fmt.Println("hello")
		return
	}
	ops := 100
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ops = n
	}
	for _, k := range kernels {
		if k.name == os.Args[1] {
			s := 0
			for i := 0; i < ops; i++ {
				s += k.op()
			}
			fmt.Println(k.name, ops, s)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "unknown kernel", os.Args[1])
	os.Exit(2)
}
