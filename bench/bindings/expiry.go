package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// lags summarises, in seconds, how long after the due instant something
// became visible in PostgreSQL.
type lags struct {
	Count int     `json:"count"`
	Min   float64 `json:"min_s"`
	P50   float64 `json:"p50_s"`
	P95   float64 `json:"p95_s"`
	P99   float64 `json:"p99_s"`
	Max   float64 `json:"max_s"`
}

// awaitExpiry polls PostgreSQL once a second until all n bindings are
// expired and their holders told, or until timeout after due.
func awaitExpiry(ctx context.Context, conn *sqlx.DB, n int, due time.Time, timeout time.Duration) error {
	const q = `SELECT (SELECT count(*) FROM bindings WHERE status = 'expired') AS expired,
		(SELECT count(*) FROM notifications WHERE kind = 'binding_expired') AS told`
	last := -1
	for {
		var c struct{ Expired, Told int }
		if err := conn.GetContext(ctx, &c, q); err != nil {
			return err
		}
		if c.Expired != last {
			say("%d of %d expired, %d told (due + %s)", c.Expired, n, c.Told, time.Since(due).Round(time.Second))
			last = c.Expired
		}
		if c.Expired == n && c.Told == n {
			return nil
		}
		if time.Since(due) > timeout {
			return fmt.Errorf("%d of %d expired and %d told %s after the due instant", c.Expired, n, c.Told, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// expiryLags measures, per binding, when its expiry became visible (the
// status change's transaction time, bindings.updated_at) and when its
// holder's notice did (notifications.created_at), relative to due.
func expiryLags(ctx context.Context, conn *sqlx.DB, due time.Time) (status, notice lags, err error) {
	var s, nt []float64
	if err := conn.SelectContext(ctx, &s, `SELECT EXTRACT(EPOCH FROM updated_at - $1)::float8
		FROM bindings WHERE status = 'expired'`, due); err != nil {
		return lags{}, lags{}, err
	}
	if err := conn.SelectContext(ctx, &nt, `SELECT EXTRACT(EPOCH FROM created_at - $1)::float8
		FROM notifications WHERE kind = 'binding_expired'`, due); err != nil {
		return lags{}, lags{}, err
	}
	return summarise(s), summarise(nt), nil
}

// summarise gives the order statistics of xs (nearest rank).
func summarise(xs []float64) lags {
	if len(xs) == 0 {
		return lags{}
	}
	slices.Sort(xs)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(xs)))) - 1
		return xs[max(i, 0)]
	}
	return lags{Count: len(xs), Min: xs[0], P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: xs[len(xs)-1]}
}
