//go:build js && wasm

// The GOOS=js test program: `main.wasm <subtest> [args...]`. tests/gojs.rs runs every subtest
// under gojit and under node (wasm_exec_node.js) and compares stdout and the exit status.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"syscall/js"
	"time"
)

var subtests = map[string]func(args []string){
	"hello":    hello,
	"work":     work,
	"files":    files,
	"values":   values,
	"funcs":    funcs,
	"timers":   timers,
	"panic":    func([]string) { panic("boom") },
	"exit":     func([]string) { fmt.Println("exiting"); os.Exit(7) },
	"deadlock": deadlock,
	"eval":     eval,
	"jserror":  jserror,
	"sandbox":  sandbox,
	"sleep":    func([]string) { fmt.Println("sleeping"); time.Sleep(time.Hour) },
	"stdin":    stdin,
	"symbols":  symbols,
	"fscalls":  fscalls,
	"zone":     zone,
}

func main() {
	if len(os.Args) < 2 {
		names := make([]string, 0, len(subtests))
		for n := range subtests {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	f, ok := subtests[os.Args[1]]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown subtest", os.Args[1])
		os.Exit(2)
	}
	f(os.Args[2:])
}

func hello(args []string) {
	fmt.Println("hello, js")
	fmt.Printf("args %q\n", args)
	fmt.Printf("GOJS_A=%q GOJS_B=%q\n", os.Getenv("GOJS_A"), os.Getenv("GOJS_B"))
	_, set := os.LookupEnv("GOJS_UNSET")
	fmt.Println("unset present:", set)
	println("println goes to stderr")
}

func work([]string) {
	type rec struct {
		Name  string            `json:"name"`
		N     int               `json:"n"`
		F     float64           `json:"f"`
		Tags  []string          `json:"tags"`
		Extra map[string]string `json:"extra,omitempty"`
	}
	b, err := json.Marshal(rec{"x", 42, 0.1 + 0.2, []string{"a", "b"}, map[string]string{"k": "v"}})
	fmt.Println(string(b), err)
	var r rec
	err = json.Unmarshal([]byte(`{"name":"héllo","n":-7,"f":1e21,"tags":null}`), &r)
	fmt.Printf("%+v %v\n", r, err)
	for _, s := range []string{"12", "-0x1f", "3.25e2", "bad"} {
		i, err1 := strconv.ParseInt(s, 0, 64)
		f, err2 := strconv.ParseFloat(s, 64)
		fmt.Println(s, i, err1, f, err2)
	}
	fmt.Println(strconv.Quote("tab\there ☺"), strconv.FormatFloat(1.0/3, 'g', -1, 64))
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := 0
			for j := 0; j <= i*1000; j++ {
				s += j
			}
			results[i] = s
		}()
	}
	wg.Wait()
	fmt.Println(results)
	t0 := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("slept enough:", time.Since(t0) >= 20*time.Millisecond)
	d := time.Date(2024, 2, 29, 13, 4, 5, 0, time.UTC)
	fmt.Println(d.Format(time.RFC3339), d.Add(24*time.Hour).Weekday())
	fmt.Println("local zone:", time.Now().Location().String() != "")
}

func files(args []string) {
	dir := args[0]
	check := func(what string, err error) {
		if err != nil {
			fmt.Println(what, "error:", err)
		}
	}
	p := filepath.Join(dir, "a.txt")
	check("write", os.WriteFile(p, []byte("hello file\n"), 0o644))
	b, err := os.ReadFile(p)
	fmt.Printf("read %q %v\n", b, err)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	check("open append", err)
	_, err = f.WriteString("more\n")
	check("append", err)
	check("close", f.Close())
	st, err := os.Stat(p)
	check("stat", err)
	fmt.Println("size", st.Size(), "mode", st.Mode(), "dir", st.IsDir())
	check("mkdir", os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	check("mkdirall", os.MkdirAll(filepath.Join(dir, "sub", "x", "y"), 0o755))
	check("rename", os.Rename(p, filepath.Join(dir, "sub", "b.txt")))
	entries, err := os.ReadDir(filepath.Join(dir, "sub"))
	check("readdir", err)
	for _, e := range entries {
		fmt.Println("entry", e.Name(), e.IsDir())
	}
	_, err = os.Stat(filepath.Join(dir, "missing"))
	fmt.Println("missing:", errors.Is(err, fs.ErrNotExist), err != nil)
	err = os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	fmt.Println("exists:", errors.Is(err, fs.ErrExist))
	err = os.Remove(filepath.Join(dir, "sub"))
	fmt.Println("remove non-empty fails:", err != nil)
	// Seek and read at offsets.
	f, err = os.Open(filepath.Join(dir, "sub", "b.txt"))
	check("open", err)
	buf := make([]byte, 4)
	_, err = f.Seek(6, 0)
	check("seek", err)
	n, err := f.Read(buf)
	fmt.Printf("read at 6: %q %d %v\n", buf[:n], n, err)
	n, err = f.ReadAt(buf, 11)
	fmt.Printf("readat 11: %q %d %v\n", buf[:n], n, err)
	check("close", f.Close())
	check("removeall", os.RemoveAll(filepath.Join(dir, "sub")))
	entries, err = os.ReadDir(dir)
	fmt.Println("left:", len(entries), err)
	wd, err := os.Getwd()
	fmt.Println("getwd ok:", wd != "", err)
	check("chdir", os.Chdir(dir))
	check("write rel", os.WriteFile("rel.txt", []byte("r"), 0o600))
	_, err = os.Stat(filepath.Join(dir, "rel.txt"))
	fmt.Println("relative path lands in dir:", err == nil)
	check("remove", os.Remove("rel.txt"))
}

func values([]string) {
	g := js.Global()
	obj := g.Get("Object")
	fmt.Println("Object:", obj.Type(), obj.Truthy())
	fmt.Println("missing:", g.Get("noSuchThing").Type(), g.Get("noSuchThing").IsUndefined())
	o := obj.New()
	o.Set("a", 1)
	o.Set("b", "two")
	o.Set("c", js.Null())
	o.Set("d", true)
	fmt.Println(o.Get("a").Int(), o.Get("b").String(), o.Get("c").IsNull(), o.Get("d").Bool(), o.Get("e").Type())
	o.Delete("a")
	fmt.Println("deleted:", o.Get("a").IsUndefined())
	v := js.ValueOf(map[string]any{"x": []any{1, "s", 2.5, nil, true}, "y": map[string]any{"z": 0}})
	arr := v.Get("x")
	fmt.Println("len", arr.Length(), arr.Index(1).String(), arr.Index(2).Float(), arr.Index(3).IsNull(), arr.Index(9).Type())
	fmt.Println("instanceof Array:", arr.InstanceOf(g.Get("Array")), arr.InstanceOf(g.Get("Object")), arr.InstanceOf(g.Get("Uint8Array")))
	arr.SetIndex(6, "late")
	fmt.Println("new len", arr.Length(), arr.Index(5).Type())
	for _, f := range []float64{0.1 + 0.2, 1e21, 1e-7, 123456789012, -0.5, 5e-324, 1 << 53} {
		fmt.Println(js.ValueOf(f).String())
	}
	for _, s := range []string{"", "abc", "héllo", "日本語", "😀x"} {
		fmt.Println(strconv.Quote(s), js.ValueOf(s).String() == s, js.ValueOf(s).Equal(js.ValueOf(s)))
	}
	fmt.Println("equal:", js.ValueOf("k").Equal(js.ValueOf("k")), o.Equal(o), o.Equal(obj.New()), js.ValueOf(2).Equal(js.ValueOf(2)))
	u := g.Get("Uint8Array").New(5)
	n := js.CopyBytesToJS(u, []byte("hey"))
	dst := make([]byte, 8)
	m := js.CopyBytesToGo(dst, u)
	fmt.Printf("bytes %d %d %q %d\n", n, m, dst[:m], u.Length())
	d := g.Get("Date").New()
	fmt.Println("tz offset:", d.Call("getTimezoneOffset").Int())
	fmt.Println("global is globalThis:", g.Get("globalThis").Equal(g))
	fmt.Println("fs O_CREAT set:", g.Get("fs").Get("constants").Get("O_CREAT").Int() != 0)
	fmt.Println("types:", js.ValueOf(1).Type(), js.ValueOf("s").Type(), js.ValueOf(true).Type(), js.Null().Type(), js.Undefined().Type(), g.Get("setTimeout").Type())
	e := g.Get("Error").New("bad thing")
	fmt.Println("error message:", e.Get("message").String(), js.Error{Value: e}.Error())
	// Many short-lived values: references are released by finalizers.
	for i := 0; i < 20000; i++ {
		x := obj.New()
		x.Set("i", i)
		_ = js.ValueOf(strconv.Itoa(i)).String()
	}
	fmt.Println("many values ok")
}

func funcs([]string) {
	g := js.Global()
	done := make(chan string)
	var order []string
	cb := js.FuncOf(func(this js.Value, args []js.Value) any {
		order = append(order, "timer "+args[0].String())
		done <- args[0].String()
		return nil
	})
	defer cb.Release()
	g.Call("setTimeout", cb, 30, "second")
	g.Call("setTimeout", cb, 5, "first")
	fmt.Println(<-done, <-done)
	// A Go function called synchronously from Go through JS (re-entrant resume).
	add := js.FuncOf(func(this js.Value, args []js.Value) any {
		return args[0].Int() + args[1].Int()
	})
	defer add.Release()
	fmt.Println("invoke:", add.Invoke(20, 22).Int())
	o := g.Get("Object").New()
	o.Set("m", add)
	fmt.Println("call as method:", o.Call("m", 1, 2).Int())
	// Deep recursion inside a callback (moves Go's stack: getsp must be re-read).
	deep := js.FuncOf(func(this js.Value, args []js.Value) any {
		var rec func(n int) int
		rec = func(n int) int {
			var pad [256]byte
			if n == 0 {
				return int(pad[0])
			}
			return rec(n-1) + 1 + int(pad[n%256])
		}
		return rec(args[0].Int())
	})
	defer deep.Release()
	fmt.Println("deep:", deep.Invoke(20000).Int())
	// A timer cleared before it fires.
	id := g.Call("setTimeout", cb, 10, "never")
	g.Call("clearTimeout", id)
	time.Sleep(40 * time.Millisecond)
	fmt.Println(order)
	// Array push through a method.
	a := g.Get("Array").New()
	a.Call("push", 1, 2, 3)
	fmt.Println("pushed:", a.Length(), a.Call("join", "-").String())
}

func timers([]string) {
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	for _, ms := range []int{30, 10, 20} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(ms) * time.Millisecond)
			mu.Lock()
			got = append(got, ms)
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Under load two sleeps can end in one wake-up, in either order (node too).
	sort.Ints(got)
	fmt.Println(got)
	tk := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 3; i++ {
		<-tk.C
	}
	tk.Stop()
	select {
	case <-time.After(10 * time.Millisecond):
		fmt.Println("after fired")
	case <-make(chan int):
	}
	tm := time.AfterFunc(time.Hour, func() { fmt.Println("never") })
	fmt.Println("stopped:", tm.Stop())
}

func deadlock([]string) {
	fmt.Println("about to block")
	<-make(chan int)
}

func jserror([]string) {
	g := js.Global()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		g.Call("noSuchFunction")
	}()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		o := g.Get("Object").New()
		o.Set("b", "str")
		o.Call("b")
	}()
	_, err := os.Open("/definitely/not/here")
	fmt.Println("open missing:", err)
	g.Get("console").Call("log", "console.log", 1.5, true, js.Null())
	fmt.Println("done")
}

// eval: JavaScript source evaluated by the host (node evaluates it; gojit has no JavaScript
// interpreter and throws an Error saying so).
func eval([]string) {
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		fmt.Println("eval:", js.Global().Call("eval", "20 + 22").Int())
	}()
	fmt.Println("done")
}

// sandbox: args[0] is a preopened directory with a symlink `out` to a file outside it; under
// gojit neither `..` nor the symlink nor an absolute path elsewhere reaches outside.
func sandbox(args []string) {
	dir := args[0]
	for _, p := range []string{
		filepath.Join(dir, "inside.txt"),
		dir + "/../outside.txt",
		filepath.Join(dir, "out"),
		"/etc/passwd",
	} {
		b, err := os.ReadFile(p)
		fmt.Printf("%s: %q %v\n", strings.TrimPrefix(p, dir), b, err != nil)
	}
}

func stdin([]string) {
	sc := bufio.NewScanner(os.Stdin)
	lines, bytes := 0, 0
	for sc.Scan() {
		lines++
		bytes += len(sc.Bytes())
	}
	fmt.Println("lines", lines, "bytes", bytes, "err", sc.Err())
}

// symbols: Symbol values (type flag 3), identity, and what throws on them.
func symbols([]string) {
	g := js.Global()
	fmt.Println("Symbol:", g.Get("Symbol").Type())
	a := g.Call("Symbol", "test")
	b := g.Get("Symbol").Invoke("test")
	fmt.Println("types:", a.Type(), b.Type(), a.String(), a.Truthy())
	fmt.Println("identity:", a.Equal(a), a.Equal(b), g.Call("Symbol").Type())
	fmt.Println("instanceof Object:", a.InstanceOf(g.Get("Object")))
	o := g.Get("Object").New()
	o.Set("s", a)
	fmt.Println("stored:", o.Get("s").Equal(a), o.Get("s").Type())
	arr := g.Get("Array").New(a, b)
	fmt.Println("in array:", arr.Index(0).Equal(a), arr.Index(1).Equal(b), arr.Length())
	for _, f := range []func(){
		func() { g.Get("Symbol").New() },
		func() { a.Call("toString") },
	} {
		func() {
			defer func() { fmt.Println("recovered:", recover()) }()
			f()
		}()
	}
}

// zone: the local time zone Go takes from Date's getTimezoneOffset (TZ decides, as in node).
// Dates before 1970 are left out: node's ICU zone data and the system's tzdb differ there.
func zone([]string) {
	name, offset := time.Now().Zone()
	fmt.Println("local zone:", name, offset)
	date := js.Global().Get("Date")
	for _, ms := range []float64{0, 1704067200000, 1719792000000, 946684800000} {
		fmt.Println("offset at", ms, date.New(ms).Call("getTimezoneOffset").Float())
	}
	t := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println("in local:", t.In(time.Local).Format(time.RFC3339))
}

// fscalls: the fs calls `files` does not make, and the errors of each, with their errno.
func fscalls(args []string) {
	dir := args[0]
	report := func(what string, err error) {
		var errno syscall.Errno
		switch {
		case err == nil:
			fmt.Println(what, "ok")
		case errors.As(err, &errno):
			fmt.Printf("%s: errno %d (%v) notexist=%v exist=%v\n", what, int(errno), errno,
				errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrExist))
		default:
			fmt.Println(what, "error:", err)
		}
	}
	p := filepath.Join(dir, "f.txt")
	report("write", os.WriteFile(p, []byte("0123456789"), 0o644))
	report("symlink", os.Symlink("f.txt", filepath.Join(dir, "link")))
	target, err := os.Readlink(filepath.Join(dir, "link"))
	fmt.Printf("readlink %q\n", target)
	report("readlink", err)
	lst, err := os.Lstat(filepath.Join(dir, "link"))
	report("lstat", err)
	fmt.Println("lstat symlink:", lst.Mode()&fs.ModeSymlink != 0)
	st, err := os.Stat(filepath.Join(dir, "link"))
	report("stat through link", err)
	fmt.Println("stat size:", st.Size())
	report("link", os.Link(p, filepath.Join(dir, "hard")))
	hst, _ := os.Stat(filepath.Join(dir, "hard"))
	fmt.Println("hard link size:", hst.Size())
	report("chmod", os.Chmod(p, 0o600))
	st, _ = os.Stat(p)
	fmt.Println("mode after chmod:", st.Mode().Perm())
	report("truncate", os.Truncate(p, 4))
	st, _ = os.Stat(p)
	fmt.Println("size after truncate:", st.Size())
	mt := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	report("chtimes", os.Chtimes(p, mt, mt))
	st, _ = os.Stat(p)
	fmt.Println("mtime after chtimes:", st.ModTime().UTC())
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	report("open rdwr", err)
	report("ftruncate", f.Truncate(2))
	report("fchmod", f.Chmod(0o640))
	report("fsync", f.Sync())
	fst, err := f.Stat()
	report("fstat", err)
	fmt.Println("fstat size and mode:", fst.Size(), fst.Mode().Perm())
	report("close", f.Close())
	fmt.Println("close again: closed error:", errors.Is(f.Close(), os.ErrClosed))

	// Errors.
	_, err = os.Open(filepath.Join(dir, "missing"))
	report("open missing", err)
	report("mkdir existing", os.Mkdir(dir, 0o755))
	_, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	report("create exclusive existing", err)
	report("mkdir sub", os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	report("write in sub", os.WriteFile(filepath.Join(dir, "sub", "x"), nil, 0o644))
	report("rmdir non-empty", syscall.Rmdir(filepath.Join(dir, "sub")))
	report("rmdir a file", syscall.Rmdir(p))
	report("unlink a dir", syscall.Unlink(filepath.Join(dir, "sub")))
	_, err = os.ReadDir(p)
	report("readdir a file", err)
	_, err = os.OpenFile(filepath.Join(dir, "sub"), os.O_WRONLY, 0)
	report("open a dir for writing", err)
	_, err = os.Stat(filepath.Join(p, "below"))
	report("stat below a file", err)
	_, err = os.Readlink(p)
	report("readlink a file", err)
	report("rename over non-empty dir", os.Rename(filepath.Join(dir, "hard"), filepath.Join(dir, "sub")))
	report("remove missing", os.Remove(filepath.Join(dir, "missing")))
	report("truncate missing", os.Truncate(filepath.Join(dir, "missing"), 0))
	report("chmod missing", os.Chmod(filepath.Join(dir, "missing"), 0o644))
	report("symlink existing", os.Symlink("x", p))
	report("link missing", os.Link(filepath.Join(dir, "missing"), filepath.Join(dir, "l2")))
	names, err := os.ReadDir(dir)
	report("readdir", err)
	for _, n := range names {
		fmt.Println(" ", n.Name(), n.IsDir())
	}
	report("remove all", os.RemoveAll(filepath.Join(dir, "sub")))
}
