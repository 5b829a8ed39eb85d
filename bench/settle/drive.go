package main

import (
	"context"
	"sync"
	"time"
)

// op is one measured operation; n numbers the operations of a run.
type op func(ctx context.Context, n int64) error

// drive runs op in a closed loop from concurrency goroutines: an untimed
// warm-up first, then a measured period of the given length. It returns
// the latencies of the operations that succeeded, the number that failed
// and the measured wall time. The first error is kept for the report.
func drive(ctx context.Context, o op, concurrency int, warmup, period time.Duration, next func() int64) (lat []time.Duration, errs int, elapsed time.Duration, firstErr error) {
	if warmup > 0 {
		_, _, _, _ = loop(ctx, o, concurrency, warmup, next)
	}
	return loop(ctx, o, concurrency, period, next)
}

func loop(ctx context.Context, o op, concurrency int, period time.Duration, next func() int64) ([]time.Duration, int, time.Duration, error) {
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     int
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(period)
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			myErrs := 0
			var myErr error
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := o(ctx, next()); err != nil {
					myErrs++
					if myErr == nil {
						myErr = err
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			errs += myErrs
			if firstErr == nil {
				firstErr = myErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, errs, time.Since(start), firstErr
}
