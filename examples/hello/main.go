// Command hello is gojit's example program: build it for WASI and run it under gojit.
//
//	bash examples/build.sh                     # rebuilds examples/hello.wasm
//	gojit run examples/hello.wasm Gopher       # Hello, Gopher! ...
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	who := "world"
	if len(os.Args) > 1 {
		who = strings.Join(os.Args[1:], " and ")
	}
	fmt.Printf("Hello, %s! Greetings from Go %s on %s/%s.\n", who, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
