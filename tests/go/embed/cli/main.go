// A reactor that imports only WASI, for `gojit run --invoke`.
package main

import "fmt"

//go:wasmexport add
func add(a, b int32) int32 { return a + b }

//go:wasmexport add64
func add64(a, b int64) int64 { return a + b }

//go:wasmexport half
func half(v float64) float64 { return v / 2 }

//go:wasmexport hello
func hello() { fmt.Println("hello from an export") }

// spawn_print starts a goroutine that prints; it runs before the call returns only in
// park-until-idle mode.
//
//go:wasmexport spawn_print
func spawnPrint() int32 {
	go fmt.Println("hello from a goroutine")
	return 7
}

//go:wasmexport boom
func boom() { panic("boom") }

func main() {}
