package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// channels: unbuffered and buffered channels, pipelines, closing, ranging.
func channels(_ []string) {
	gen := func(n int) <-chan int {
		out := make(chan int)
		go func() {
			defer close(out)
			for i := 1; i <= n; i++ {
				out <- i
			}
		}()
		return out
	}
	sq := func(in <-chan int) <-chan int {
		out := make(chan int)
		go func() {
			defer close(out)
			for v := range in {
				out <- v * v
			}
		}()
		return out
	}
	total := 0
	for v := range sq(sq(gen(1000))) {
		total += v % 1000003
	}
	fmt.Println("pipeline:", total)

	bc := make(chan string, 3)
	bc <- "a"
	bc <- "b"
	fmt.Println("buffered:", len(bc), cap(bc))
	bc <- "c"
	select {
	case bc <- "d":
		fmt.Println("sent to full channel?!")
	default:
		fmt.Println("full: default taken")
	}
	close(bc)
	for s := range bc {
		fmt.Print(s)
	}
	v, ok := <-bc
	fmt.Printf(" closed: %q %v\n", v, ok)

	// Unbuffered ping-pong: strict alternation.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	x := 0
	for range 10000 {
		ping <- x
		x = <-pong * 3 % 1000003
	}
	close(ping)
	_, ok = <-pong
	fmt.Println("ping-pong:", x, ok)

	// Worker pool with results gathered in order by index.
	jobs := make(chan int, 16)
	results := make([]int, 500)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				results[j] = j * j % 97
			}
		})
	}
	for j := range results {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	s := 0
	for i, r := range results {
		s += i * r
	}
	fmt.Println("worker pool:", s)

	// Channel of channels, directional types, struct{} signals.
	reqs := make(chan chan int)
	go func() {
		n := 0
		for r := range reqs {
			n++
			r <- n * 10
		}
	}()
	for range 3 {
		r := make(chan int)
		reqs <- r
		fmt.Print(<-r, " ")
	}
	close(reqs)
	fmt.Println()
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
	<-done
	fmt.Println("done closed twice-read ok")
}

// select: multi-way select, nil channels, default, fan-in.
func selectTest(_ []string) {
	var nilc chan int
	select {
	case v := <-nilc:
		fmt.Println("nil channel received?!", v)
	default:
		fmt.Println("nil channel: default")
	}
	empty := make(chan int)
	select {
	case <-empty:
		fmt.Println("empty received?!")
	default:
		fmt.Println("empty: default")
	}

	srcs := make([]chan int, 3)
	for i := range srcs {
		srcs[i] = make(chan int)
		go func(c chan int, base int) {
			for k := range 200 {
				c <- base + k
			}
			close(c)
		}(srcs[i], (i+1)*1000)
	}
	a, b, c := srcs[0], srcs[1], srcs[2]
	count, sum := 0, 0
	perSource := map[int]int{}
	for a != nil || b != nil || c != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil
				continue
			}
			count, sum = count+1, sum+v
			perSource[v/1000]++
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			count, sum = count+1, sum+v
			perSource[v/1000]++
		case v, ok := <-c:
			if !ok {
				c = nil
				continue
			}
			count, sum = count+1, sum+v
			perSource[v/1000]++
		}
	}
	fmt.Println("fan-in:", count, sum, perSource)

	// select with send and receive cases.
	in, out := make(chan int, 1), make(chan int, 1)
	in <- 5
	got := []string{}
	for range 2 {
		select {
		case v := <-in:
			got = append(got, fmt.Sprint("recv ", v))
		case out <- 9:
			got = append(got, "sent")
		}
	}
	sort.Strings(got)
	fmt.Println(got, <-out)

	// A select loop with a quit channel.
	quit := make(chan bool)
	data := make(chan int)
	go func() {
		for i := range 5 {
			data <- i
		}
		quit <- true
	}()
	acc := 0
loop:
	for {
		select {
		case v := <-data:
			acc += v
		case <-quit:
			break loop
		}
	}
	fmt.Println("quit loop:", acc)
}

// sync: WaitGroup, Mutex, RWMutex, Once, Cond, atomics, sync.Map, context.
func syncTest(_ []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				mu.Lock()
				counter++
				yield := counter%97 == 0
				mu.Unlock()
				if yield {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	fmt.Println("mutex counter:", counter)

	var once sync.Once
	var onceCount atomic.Int32
	for range 10 {
		wg.Go(func() { once.Do(func() { onceCount.Add(1) }) })
	}
	wg.Wait()
	fmt.Println("once:", onceCount.Load())
	ov := sync.OnceValue(func() int { onceCount.Add(1); return 42 })
	fmt.Println("oncevalue:", ov(), ov(), onceCount.Load())

	var rw sync.RWMutex
	shared := map[int]int{}
	var reads atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				rw.Lock()
				shared[w*100+i] = i
				rw.Unlock()
			}
		})
		wg.Go(func() {
			for range 100 {
				rw.RLock()
				_ = len(shared)
				rw.RUnlock()
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	fmt.Println("rwmutex:", len(shared), reads.Load())

	var cmu sync.Mutex
	cond := sync.NewCond(&cmu)
	ready := false
	var woke atomic.Int32
	for range 10 {
		wg.Go(func() {
			cmu.Lock()
			for !ready {
				cond.Wait()
			}
			cmu.Unlock()
			woke.Add(1)
		})
	}
	time.Sleep(5 * time.Millisecond)
	cmu.Lock()
	ready = true
	cond.Broadcast()
	cmu.Unlock()
	wg.Wait()
	fmt.Println("cond woke:", woke.Load())

	var ai atomic.Int64
	var au atomic.Uint32
	var ap atomic.Pointer[string]
	var av atomic.Value
	for i := range 50 {
		wg.Go(func() {
			ai.Add(int64(i))
			au.Add(1)
			for {
				old := ai.Load()
				if ai.CompareAndSwap(old, old+1) {
					break
				}
			}
		})
	}
	wg.Wait()
	s := "stored"
	ap.Store(&s)
	av.Store([]int{1, 2})
	fmt.Println("atomics:", ai.Load(), au.Load(), *ap.Load(), av.Load(), ai.Swap(5), ai.Load())

	var sm sync.Map
	for i := range 20 {
		sm.Store(i, i*i)
	}
	sm.Delete(3)
	v, loaded := sm.LoadOrStore(4, -1)
	keys := []int{}
	sm.Range(func(k, _ any) bool { keys = append(keys, k.(int)); return true })
	sort.Ints(keys)
	fmt.Println("sync.Map:", v, loaded, keys)

	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error)
	go func() {
		<-ctx.Done()
		res <- ctx.Err()
	}()
	cancel()
	fmt.Println("ctx cancel:", <-res)
	tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer tcancel()
	<-tctx.Done()
	fmt.Println("ctx timeout:", tctx.Err(), errors.Is(tctx.Err(), context.DeadlineExceeded))
	vctx := context.WithValue(ctx, "k", "v")
	fmt.Println("ctx value:", vctx.Value("k"), vctx.Value("missing"))
}

// time: sleeps, timers, tickers, time.After; only deterministic facts are printed.
func timeTest(_ []string) {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	el := time.Since(start)
	fmt.Println("sleep 20ms: elapsed >= 20ms:", el >= 20*time.Millisecond, "< 10s:", el < 10*time.Second)

	never := make(chan int)
	t0 := time.Now()
	select {
	case <-never:
		fmt.Println("never?!")
	case <-time.After(15 * time.Millisecond):
		fmt.Println("time.After fired, elapsed >= 15ms:", time.Since(t0) >= 15*time.Millisecond)
	}
	select {
	case <-time.After(10 * time.Millisecond):
		fmt.Println("short timeout wins")
	case <-time.After(10 * time.Second):
		fmt.Println("long timeout wins?!")
	}

	// t0 before the ticker starts: its ticks count from its creation.
	t0 = time.Now()
	tk := time.NewTicker(5 * time.Millisecond)
	for range 5 {
		<-tk.C
	}
	tk.Stop()
	fmt.Println("5 ticks of 5ms, elapsed >= 25ms:", time.Since(t0) >= 25*time.Millisecond)

	tm := time.NewTimer(time.Hour)
	fmt.Println("stop pending timer:", tm.Stop())
	tm.Reset(5 * time.Millisecond)
	<-tm.C
	fmt.Println("reset timer fired; stop fired timer:", tm.Stop())

	fired := make(chan string, 3)
	t0 = time.Now()
	var elapsed [3]time.Duration
	var emu sync.Mutex
	for i, d := range []int{130, 10, 70} {
		time.AfterFunc(time.Duration(d)*time.Millisecond, func() {
			emu.Lock()
			elapsed[i] = time.Since(t0)
			emu.Unlock()
			fired <- fmt.Sprintf("%dms", d)
		})
	}
	order := []string{<-fired, <-fired, <-fired}
	emu.Lock()
	fmt.Println("AfterFunc order:", order, "each >= its delay:",
		elapsed[0] >= 130*time.Millisecond && elapsed[1] >= 10*time.Millisecond && elapsed[2] >= 70*time.Millisecond)
	emu.Unlock()
	stopped := time.AfterFunc(time.Hour, func() { fmt.Println("must not run") })
	fmt.Println("stop AfterFunc:", stopped.Stop())

	// Many goroutines sleeping concurrently: total time is about the longest sleep, not the sum.
	var wg sync.WaitGroup
	t0 = time.Now()
	for i := range 100 {
		wg.Go(func() { time.Sleep(time.Duration(i%10+1) * time.Millisecond) })
	}
	wg.Wait()
	el = time.Since(t0)
	fmt.Println("100 concurrent sleeps: elapsed >= 10ms:", el >= 10*time.Millisecond)

	// Wall clock and calendar arithmetic (UTC only: the local zone differs between hosts).
	now := time.Now()
	fmt.Println("year >= 2024:", now.Year() >= 2024, "monotonic:", time.Since(now) >= 0)
	d := time.Date(2024, 2, 28, 23, 59, 59, 999999999, time.UTC)
	fmt.Println(d, d.Add(time.Nanosecond), d.AddDate(0, 1, 1).Weekday(), d.YearDay(), d.Unix(), d.UnixNano())
	fmt.Println(d.Format(time.RFC3339Nano), d.Format("Mon Jan 2 15:04:05.000 MST 2006"), time.Unix(0, 0).UTC())
	p, err := time.Parse(time.RFC1123, "Tue, 10 Nov 2009 23:00:00 UTC")
	fmt.Println(p, err, p.Sub(d).Hours(), d.Truncate(time.Hour), d.Round(time.Second))
	dur := 3*time.Hour + 25*time.Minute + 45*time.Second + 500*time.Millisecond
	fmt.Println(dur, dur.Minutes(), time.Duration(1500)*time.Microsecond, time.Duration(0), -dur.Truncate(time.Minute))
}

// gosched: two goroutines alternate strictly using runtime.Gosched to wait for their turn (on
// wasm there is no preemption: without Gosched this would hang).
func gosched(_ []string) {
	const rounds = 2000
	var turn atomic.Int32
	var log [2 * rounds]int32
	var n atomic.Int32
	var wg sync.WaitGroup
	for me := range int32(2) {
		wg.Go(func() {
			for range rounds {
				for turn.Load() != me {
					runtime.Gosched()
				}
				log[n.Add(1)-1] = me
				turn.Store(1 - me)
			}
		})
	}
	wg.Wait()
	alternating := true
	for i, v := range log {
		if v != int32(i%2) {
			alternating = false
		}
	}
	fmt.Println("gosched ping-pong:", n.Load(), "alternating:", alternating)

	// Yielding in a loop while another goroutine makes progress.
	var progress atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				progress.Add(1)
				runtime.Gosched()
			}
		}
	}()
	for progress.Load() < 1000 {
		runtime.Gosched()
	}
	close(stop)
	fmt.Println("yield loop reached 1000")
}

// goroutines: 100,000 goroutines at once, and a 100,000-long daisy chain.
func goroutines100k(_ []string) {
	const n = 100000
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]uint64, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = uint64(i) * uint64(i) % 1000003
		}()
	}
	close(start)
	wg.Wait()
	var s uint64
	for _, r := range results {
		s += r
	}
	fmt.Println("100k goroutines:", s)

	first := make(chan int)
	left := first
	for range n {
		right := make(chan int)
		go func(l, r chan int) { l <- 1 + <-r }(left, right)
		left = right
	}
	go func(c chan int) { c <- 0 }(left)
	fmt.Println("daisy chain:", <-first)
}

//go:noinline
func deep(n int, acc uint64) uint64 {
	if n == 0 {
		return acc
	}
	return deep(n-1, acc*31+uint64(n)) ^ uint64(n&0xff)
}

type recurser interface{ rec(n int) uint64 }
type recImpl struct{ k uint64 }

func (r *recImpl) rec(n int) uint64 {
	if n == 0 {
		return r.k
	}
	var self recurser = r
	return self.rec(n-1)*3 + uint64(n)
}

// recursion: a million frames deep, in the main goroutine (direct calls) and in another goroutine
// (interface method calls), twice each (the second run has no stack growth in between).
func recursion(_ []string) {
	const depth = 1000000
	fmt.Printf("main: %016x\n", deep(depth, 1))
	fmt.Printf("main again: %016x\n", deep(depth, 2))
	res := make(chan uint64)
	go func() {
		var r1, r2 recurser = &recImpl{k: 7}, &recImpl{k: 8}
		res <- r1.rec(depth)*5 + r2.rec(depth)
	}()
	fmt.Printf("goroutine: %016x\n", <-res)
}

type tree struct {
	left, right *tree
	val         int
}

func build(d, v int) *tree {
	if d == 0 {
		return &tree{val: v}
	}
	return &tree{build(d-1, 2*v), build(d-1, 2*v+1), v}
}

func (t *tree) check() int {
	if t.left == nil {
		return t.val
	}
	return t.val + t.left.check() - t.right.check()
}

// gc: allocation-heavy work that runs many GC cycles; prints checksums and a bound on NumGC.
func gcTest(_ []string) {
	numGC := func() uint32 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.NumGC
	}
	gc0 := numGC()
	// Binary trees: many short-lived small objects.
	longLived := build(14, 1)
	total := 0
	for d := 4; d <= 16; d += 2 {
		iters := 1 << (16 - d + 4)
		c := 0
		for i := range iters {
			c += build(d, i).check()
		}
		total += c
		fmt.Printf("depth %d: %d trees, check %d\n", d, iters, c)
	}
	fmt.Println("long lived:", longLived.check(), "total:", total)

	// A bounded live set of byte slices of varying size, churned many times.
	var r lcg = 99
	ring := make([][]byte, 512)
	var sum uint64
	allocated := 0
	for i := range 60000 {
		n := int(r.next()%8192) + 1
		b := make([]byte, n)
		b[0], b[n-1] = byte(i), byte(n)
		allocated += n
		slot := i % len(ring)
		if old := ring[slot]; old != nil {
			sum += uint64(old[0]) + uint64(old[len(old)-1])*3
		}
		ring[slot] = b
	}
	fmt.Println("ring checksum:", sum, "allocated MB:", allocated>>20)

	// Maps and strings that grow and are dropped.
	for round := range 5 {
		m := map[string][]int{}
		for i := range 20000 {
			k := fmt.Sprintf("key-%d-%d", round, i%5000)
			m[k] = append(m[k], i)
		}
		fmt.Println("round", round, "keys", len(m), len(m[fmt.Sprintf("key-%d-7", round)]))
	}
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("NumGC >= 20:", ms.NumGC-gc0 >= 20, "Mallocs > Frees:", ms.Mallocs > ms.Frees)
	var gs debug.GCStats
	debug.ReadGCStats(&gs)
	fmt.Println("debug.GCStats NumGC >= 20:", gs.NumGC >= 20)
}
