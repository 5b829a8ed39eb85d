package app

import (
	"context"
	"sync/atomic"
	"time"

	"gongji/domain"
)

// Re-reads of the requests waiting in awaitFinal share one budget: each
// waits pollEvery × (requests waiting) between reads, at most maxPoll, so
// a lone request sees its result within pollEvery while many together
// read the database about 1/pollEvery times a second instead of each
// 20 times a second (which, at 32 waiting settlements, starved the
// worker's own database steps).
const (
	pollEvery = 20 * time.Millisecond
	maxPoll   = 400 * time.Millisecond
)

// awaiting counts the requests in awaitFinal.
var awaiting atomic.Int64

// awaitFinal re-reads a resource until load says it is final or wait has
// passed, and returns it as it then stands.
func awaitFinal[T any](ctx context.Context, wait time.Duration, load func() (T, bool, error)) (T, bool, error) {
	deadline := time.Now().Add(wait)
	awaiting.Add(1)
	defer awaiting.Add(-1)
	for {
		v, final, err := load()
		if err != nil || final || time.Now().After(deadline) {
			return v, final, err
		}
		select {
		case <-ctx.Done():
			return v, false, domain.Errorf(domain.CodeUnavailable, "the request was cancelled")
		case <-time.After(min(pollEvery*time.Duration(awaiting.Load()), maxPoll)):
		}
	}
}
