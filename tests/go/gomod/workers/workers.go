// Package workers runs jobs on a bounded pool of goroutines.
package workers

import (
	"context"
	"sync"
	"time"
)

// Result of one job.
type Result struct {
	Job   int
	Value int
	Err   error
}

// Run computes f(job) for jobs 0..n-1 on `workers` goroutines and returns the results in job
// order. Jobs not started when ctx is done report ctx.Err().
func Run(ctx context.Context, n, workers int, f func(context.Context, int) (int, error)) []Result {
	jobs := make(chan int)
	results := make([]Result, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				v, err := f(ctx, j)
				results[j] = Result{Job: j, Value: v, Err: err}
			}
		}()
	}
	for j := 0; j < n; j++ {
		select {
		case jobs <- j:
		case <-ctx.Done():
			results[j] = Result{Job: j, Err: ctx.Err()}
		}
	}
	close(jobs)
	wg.Wait()
	return results
}

// Ticker counts ticks of period d until ctx is done.
func Ticker(ctx context.Context, d time.Duration) int {
	t := time.NewTicker(d)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-t.C:
			n++
		case <-ctx.Done():
			return n
		}
	}
}
