package main

import (
	"context"
	"log/slog"
	"time"
)

// retryUntilDone runs fn until it succeeds or ctx ends, pausing first
// pause, then twice as long each time up to maxPause, and logging each
// failure: a worker started while Temporal is down waits for it instead of
// exiting.
func retryUntilDone(ctx context.Context, log *slog.Logger, what string, pause, maxPause time.Duration, fn func(context.Context) error) error {
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		log.Warn(what+" failed; trying again", "error", err, "in", pause)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}
