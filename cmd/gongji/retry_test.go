package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func TestRetryUntilDone_TriesAgainUntilItSucceeds(t *testing.T) {
	calls := 0
	err := retryUntilDone(context.Background(), slog.New(slog.DiscardHandler), "register", time.Millisecond, 4*time.Millisecond,
		func(context.Context) error {
			if calls++; calls < 4 {
				return errors.New("connection refused")
			}
			return nil
		})
	if err != nil || calls != 4 {
		t.Fatalf("retryUntilDone = %v after %d calls, want nil after 4", err, calls)
	}
}

func TestRetryUntilDone_StopsWithTheLastErrorWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	refused := errors.New("connection refused")
	calls := 0
	err := retryUntilDone(ctx, slog.New(slog.DiscardHandler), "register", time.Millisecond, time.Millisecond,
		func(context.Context) error {
			if calls++; calls == 3 {
				cancel()
			}
			return refused
		})
	if !errors.Is(err, refused) || calls != 3 {
		t.Fatalf("retryUntilDone = %v after %d calls, want the last error after 3", err, calls)
	}
}
