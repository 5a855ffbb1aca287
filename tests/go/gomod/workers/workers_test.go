package workers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunComputesEveryJobInOrder(t *testing.T) {
	var running, peak atomic.Int32
	res := Run(context.Background(), 200, 8, func(ctx context.Context, j int) (int, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		runtime.Gosched()
		running.Add(-1)
		return j * j, nil
	})
	for i, r := range res {
		if r.Job != i || r.Value != i*i || r.Err != nil {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if p := peak.Load(); p < 2 || p > 8 {
		t.Errorf("peak concurrency %d, want 2..8", p)
	}
}

func TestRunStopsAtDeadline(t *testing.T) {
	job := func(ctx context.Context, j int) (int, error) {
		select {
		case <-time.After(10 * time.Millisecond):
			return j, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	// Warm up (a JIT compiles code on first use), then measure.
	Run(context.Background(), 4, 2, job)
	// start is taken before the deadline is set: WithTimeout reads the clock itself, and
	// anything between the two reads (a first call compiled on demand, a preemption)
	// would otherwise come off the measured time.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res := Run(ctx, 1000, 2, job)
	if el := time.Since(start); el < 200*time.Millisecond || el > 10*time.Second {
		t.Errorf("took %v", el)
	}
	done, timedOut := 0, 0
	for _, r := range res {
		switch {
		case r.Err == nil:
			done++
		case errors.Is(r.Err, context.DeadlineExceeded):
			timedOut++
		default:
			t.Fatalf("unexpected error %v", r.Err)
		}
	}
	// 2 workers, 10 ms jobs, 200 ms: at most 40 can finish.
	if done == 0 || done > 42 || done+timedOut != 1000 {
		t.Errorf("done %d, timed out %d", done, timedOut)
	}
}

func TestTimersAndSleep(t *testing.T) {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Errorf("Sleep(20ms) returned after %v", el)
	}
	warm, cancelWarm := context.WithTimeout(context.Background(), 15*time.Millisecond)
	Ticker(warm, 5*time.Millisecond) // compile first (under a JIT), then measure
	cancelWarm()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	// At least one tick (a loaded machine may stall the run for a good part of the window;
	// a ticker drops ticks its reader misses), never more than the window allows.
	if n := Ticker(ctx, 10*time.Millisecond); n < 1 || n > 13 {
		t.Errorf("%d ticks of 10ms in 120ms", n)
	}
	fired := make(chan time.Time, 1)
	time.AfterFunc(15*time.Millisecond, func() { fired <- time.Now() })
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("AfterFunc never fired")
	}
}

func TestManyGoroutinesAndMutex(t *testing.T) {
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for g := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				mu.Lock()
				counts[(g+i)%10]++
				mu.Unlock()
				if i%5 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	for k := range 10 {
		if counts[k] != 1000 {
			t.Fatalf("counts[%d] = %d", k, counts[k])
		}
	}
}

func TestEnvironment(t *testing.T) {
	// The runner passes PATH and PWD (as Go's go_wasip1_wasm_exec does).
	if os.Getenv("PATH") == "" {
		t.Error("PATH is empty")
	}
	pwd := os.Getenv("PWD")
	wd, err := os.Getwd()
	if err != nil || pwd == "" || wd != pwd {
		t.Errorf("PWD %q, Getwd %q, %v", pwd, wd, err)
	}
	if filepath.Base(wd) != "workers" {
		t.Errorf("not run in the package directory: %q", wd)
	}
	t.Setenv("GOJIT_GOMOD_VAR", "a=b=c")
	if v, ok := os.LookupEnv("GOJIT_GOMOD_VAR"); !ok || v != "a=b=c" {
		t.Errorf("LookupEnv: %q %v", v, ok)
	}
	found := false
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOJIT_GOMOD_VAR=") {
			found = true
		}
	}
	if !found {
		t.Error("Setenv not visible in Environ")
	}
	if len(os.Args) == 0 || !strings.HasSuffix(os.Args[0], ".test") {
		t.Errorf("os.Args[0] = %q", os.Args)
	}
	if runtime.GOOS != "wasip1" || runtime.GOARCH != "wasm" {
		t.Errorf("GOOS/GOARCH = %s/%s", runtime.GOOS, runtime.GOARCH)
	}
}
