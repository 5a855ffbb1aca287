package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// hello: the smallest program: one line on stdout, one on stderr (runtime print path).
func hello(_ []string) {
	fmt.Println("Hello from Go on gojit!")
	println("hello on stderr via println")
}

// args: argv after the subtest name, and the whole environment (sorted). The harness passes the
// same variables to the native binary (with an otherwise empty environment) and to the engine
// with --env.
func argsEnv(args []string) {
	fmt.Printf("argc=%d\n", len(args))
	for i, a := range args {
		fmt.Printf("arg[%d]=%q (%d bytes)\n", i, a, len(a))
	}
	env := os.Environ()
	sort.Strings(env)
	fmt.Printf("environ: %d entries\n", len(env))
	for _, e := range env {
		fmt.Printf("env %q\n", e)
	}
	for _, k := range []string{"GOJIT_A", "GOJIT_EMPTY", "GOJIT_UNSET"} {
		v, ok := os.LookupEnv(k)
		fmt.Printf("lookup %s = %q, %v\n", k, v, ok)
	}
	fmt.Println("expand:", os.ExpandEnv("[$GOJIT_A|${GOJIT_UNICODE}|$GOJIT_UNSET]"))
}

type shape interface {
	Area() float64
	Name() string
}

type rect struct{ w, h float64 }
type circle struct{ r float64 }
type square struct{ rect }

func (r rect) Area() float64    { return r.w * r.h }
func (r rect) Name() string     { return "rect" }
func (c *circle) Area() float64 { return 3 * c.r * c.r }
func (c *circle) Name() string  { return "circle" }
func (s square) Name() string   { return "square" }

type counter struct{ n int }

func (c *counter) Inc() int      { c.n++; return c.n }
func (c counter) Get() int       { return c.n }
func (c counter) String() string { return fmt.Sprintf("counter(%d)", c.n) }

type myErr struct{ code int }

func (e *myErr) Error() string { return fmt.Sprintf("myErr %d", e.code) }

func mapSlice[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func reduce[T, A any](xs []T, acc A, f func(A, T) A) A {
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

type number interface {
	~int | ~int64 | ~float64
}

func sum[T number](xs ...T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

//go:noinline
func apply(f func(int) int, x int) int { return f(x) }

// funcs: closures, interfaces, method values and expressions, generics (indirect calls).
func funcs(_ []string) {
	var adders []func(int) int
	for i := range 5 {
		adders = append(adders, func(x int) int { return x + i*10 })
	}
	for _, a := range adders {
		fmt.Print(apply(a, 1), " ")
	}
	fmt.Println()

	mk := func() func() int {
		n := 0
		return func() int { n++; return n * n }
	}
	f := mk()
	f()
	f()
	fmt.Println("closure state:", f())

	shapes := []shape{rect{2, 3}, &circle{2}, square{rect{4, 4}}}
	for _, s := range shapes {
		fmt.Printf("%s %T area=%v\n", s.Name(), s, s.Area())
	}
	c := &counter{}
	inc := c.Inc // method value bound to c
	get := counter.Get
	incExpr := (*counter).Inc
	inc()
	inc()
	incExpr(c)
	fmt.Println("counter:", get(*c), c.Get(), c, fmt.Sprint(*c))

	var st fmt.Stringer = *c
	switch v := st.(type) {
	case counter:
		fmt.Println("type switch: counter", v.n)
	default:
		fmt.Println("type switch: other")
	}
	if _, ok := any(c).(shape); !ok {
		fmt.Println("*counter is not a shape")
	}

	var err error = fmt.Errorf("layer2: %w", fmt.Errorf("layer1: %w", &myErr{42}))
	var me *myErr
	fmt.Println(err, errors.As(err, &me), me.code, errors.Is(err, io.EOF))
	joined := errors.Join(io.EOF, io.ErrUnexpectedEOF)
	fmt.Printf("%q %v\n", joined.Error(), errors.Is(joined, io.ErrUnexpectedEOF))

	sq := mapSlice([]int{1, 2, 3, 4}, func(x int) string { return strings.Repeat("*", x) })
	fmt.Println(sq, reduce([]int{1, 2, 3, 4, 5}, 1, func(a, x int) int { return a * x }))
	fmt.Println(sum(1, 2, 3), sum(1.5, 2.25), sum[int64]())

	var fib func(int) int
	fib = func(n int) int {
		if n < 2 {
			return n
		}
		return fib(n-1) + fib(n-2)
	}
	fmt.Println("fib(25) =", fib(25))

	ops := map[string]func(a, b int) int{
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		"mul": func(a, b int) int { return a * b },
	}
	keys := make([]string, 0)
	for k := range ops {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s(7,3)=%d ", k, ops[k](7, 3))
	}
	fmt.Println()

	// Range-over-func iterators.
	seq := func(yield func(int, string) bool) {
		for i, s := range []string{"a", "b", "c", "d"} {
			if !yield(i, s) {
				return
			}
		}
	}
	for i, s := range seq {
		if i == 3 {
			break
		}
		fmt.Print(i, s, " ")
	}
	fmt.Println()
}

//go:noinline
func idx(s []int, i int) int { return s[i] }

//go:noinline
func div(a, b int) int { return a / b }

//go:noinline
func deref(p *int) int { return *p }

//go:noinline
func shift(x int, s int) int { return x << s }

func try(name string, f func()) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		_, isRuntime := r.(runtime.Error)
		if err, ok := r.(error); ok {
			fmt.Printf("%-12s recovered runtime.Error=%v: %v\n", name, isRuntime, err)
		} else {
			fmt.Printf("%-12s recovered runtime.Error=%v: %v (%T)\n", name, isRuntime, r, r)
		}
	}()
	f()
	fmt.Printf("%-12s no panic\n", name)
}

func deferOrder() (out string) {
	for i := range 4 {
		defer func() { out += fmt.Sprint(i) }()
	}
	return "order:"
}

func nestedRecover() (res string) {
	defer func() {
		if r := recover(); r != nil {
			res = fmt.Sprint("outer caught: ", r)
		}
	}()
	func() {
		defer func() {
			r := recover()
			panic(fmt.Sprint("re-panic of [", r, "]"))
		}()
		panic("inner")
	}()
	return "unreachable"
}

// recover: runtime errors of many kinds, recovered; defer ordering; Goexit.
func recoverTest(_ []string) {
	s := []int{1, 2, 3}
	var m map[string]int
	var p *int
	try("index", func() { idx(s, 5) })
	try("slice", func() { n := 7; _ = s[:n:n] })
	try("nilmap", func() { m["x"] = 1 })
	try("nilptr", func() { deref(p) })
	try("divzero", func() { div(1, 0) })
	try("assert", func() { var x any = "str"; _ = x.(int) })
	try("custom", func() { panic(&myErr{7}) })
	try("string", func() { panic("plain string") })
	try("value", func() { panic(12.5) })
	try("nil", func() { panic(nil) })
	try("closeclosed", func() { c := make(chan int); close(c); close(c) })
	try("sendclosed", func() { c := make(chan int, 1); close(c); c <- 1 })
	try("makeslice", func() { n := -1; _ = make([]int, n) })
	try("negshift", func() { shift(1, -1) })
	try("arrayconv", func() { _ = [4]int(s[:2]) })
	try("none", func() {})
	fmt.Println(deferOrder())
	fmt.Println(nestedRecover())

	done := make(chan string)
	go func() {
		defer func() { done <- "goexit ran deferred calls" }()
		runtime.Goexit()
	}()
	fmt.Println(<-done)
}

// exit3: os.Exit skips deferred calls and returns the status.
func exit3(_ []string) {
	defer fmt.Println("deferred: must not be printed")
	fmt.Println("exiting with status 3")
	fmt.Fprintln(os.Stderr, "stderr before exit")
	os.Exit(3)
}

// bigout: ~1 MB of stdout in many writes of different sizes (pipe back-pressure, partial writes).
func bigOut(_ []string) {
	w := bufio.NewWriterSize(os.Stdout, 4096)
	for i := range 100000 {
		fmt.Fprintf(w, "line %06d %s\n", i, strings.Repeat("x", i%7))
	}
	w.Flush()
	big := strings.Repeat("0123456789abcdef", 16384) // one 256 KiB write
	os.Stdout.WriteString(big)
	os.Stdout.WriteString("\nend\n")
}

// stdin: read everything, print the size, line count, and checksums of a transformation.
func stdinTest(_ []string) {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Println("read error:", err)
		os.Exit(1)
	}
	var h uint64 = 14695981039346656037
	var rot uint64 = 14695981039346656037
	lines := 0
	for _, b := range data {
		if b == '\n' {
			lines++
		}
		h = (h ^ uint64(b)) * 1099511628211
		t := b
		switch {
		case 'a' <= b && b <= 'z':
			t = 'a' + (b-'a'+13)%26
		case 'A' <= b && b <= 'Z':
			t = 'A' + (b-'A'+13)%26
		}
		rot = (rot ^ uint64(t)) * 1099511628211
	}
	fmt.Printf("bytes=%d lines=%d fnv=%016x rot13fnv=%016x\n", len(data), lines, h, rot)
	first, _, _ := strings.Cut(string(data), "\n")
	if len(first) > 60 {
		first = first[:60]
	}
	fmt.Printf("first line upper: %q\n", strings.ToUpper(first))
}

// fs: file operations inside the directory given as args[0] (natively a host path, under the
// engine a --dir preopen). Only relative names are printed.
func fsTest(args []string) {
	if len(args) != 1 {
		fmt.Println("usage: fs DIR")
		os.Exit(64)
	}
	dir := args[0]
	check := func(what string, err error) {
		if err != nil {
			fmt.Printf("%s: error %v\n", what, errors.Unwrap(err))
			os.Exit(1)
		}
	}
	check("mkdir", os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	check("write", os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\nbeta\n"), 0o644))
	check("write", os.WriteFile(filepath.Join(dir, "sub", "b.bin"), make([]byte, 70000), 0o644))
	f, err := os.OpenFile(filepath.Join(dir, "a.txt"), os.O_APPEND|os.O_WRONLY, 0)
	check("open append", err)
	_, err = f.WriteString("gamma\n")
	check("append", err)
	check("close", f.Close())
	data, err := os.ReadFile(filepath.Join(dir, "a.txt"))
	check("read", err)
	fmt.Printf("a.txt: %q\n", data)
	_, err = os.ReadFile(filepath.Join(dir, "missing.txt"))
	fmt.Println("missing exists:", !errors.Is(err, os.ErrNotExist))
	check("rename", os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "sub", "c.txt")))
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		size := info.Size()
		if d.IsDir() {
			size = 0
		}
		fmt.Printf("walk %-10s dir=%v size=%d\n", filepath.ToSlash(rel), d.IsDir(), size)
		return nil
	})
	check("walk", err)
	f, err = os.Open(filepath.Join(dir, "sub", "b.bin"))
	check("open", err)
	off, err := f.Seek(-10, io.SeekEnd)
	check("seek", err)
	n, err := f.Read(make([]byte, 100))
	check("read", err)
	fmt.Println("seek/read:", off, n)
	f.Close()
	check("removeall", os.RemoveAll(filepath.Join(dir, "sub")))
	entries, err := os.ReadDir(dir)
	check("readdir", err)
	fmt.Println("entries after cleanup:", len(entries))
}
