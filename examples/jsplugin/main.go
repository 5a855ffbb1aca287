//go:build js && wasm

// A GOOS=js plugin for examples/js_host.rs: it calls the host's JavaScript functions
// (`host.log`, `host.lookup`) and registers Go functions in the global object for the host to
// call, then parks in `select {}` as browser-style Go programs do.
package main

import (
	"fmt"
	"slices"
	"strings"
	"syscall/js"
	"time"
)

func main() {
	host := js.Global().Get("host")
	host.Call("log", "plugin started")
	g := js.Global()

	// Strings both ways.
	g.Set("upper", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return strings.ToUpper(args[0].String())
	}))
	// Arrays of numbers in, a number out.
	g.Set("sum", js.FuncOf(func(_ js.Value, args []js.Value) any {
		a, s := args[0], 0.0
		for i := range a.Length() {
			s += a.Index(i).Float()
		}
		return s
	}))
	// Byte arrays both ways (CopyBytesToGo / CopyBytesToJS).
	g.Set("reverseBytes", js.FuncOf(func(_ js.Value, args []js.Value) any {
		b := make([]byte, args[0].Length())
		js.CopyBytesToGo(b, args[0])
		slices.Reverse(b)
		out := g.Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(out, b)
		return out
	}))
	// Any value in: its type; objects and arrays out.
	g.Set("describe", js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := args[0]
		return map[string]any{
			"type":   v.Type().String(),
			"truthy": v.Truthy(),
			"pair":   []any{v.Type().String(), nil},
		}
	}))
	// A host function that throws: Go sees a js.Error panic and recovers it.
	g.Set("lookup", js.FuncOf(func(_ js.Value, args []js.Value) (result any) {
		defer func() {
			if e := recover(); e != nil {
				result = fmt.Sprint("error: ", e)
			}
		}()
		return host.Call("lookup", args[0]).String()
	}))
	// Work that goes on after the call returns: a goroutine and a timer.
	g.Set("later", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].String()
		go func() {
			time.Sleep(5 * time.Millisecond)
			host.Call("log", "later: "+msg)
		}()
		return nil
	}))
	select {}
}
