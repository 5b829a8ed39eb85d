package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
)

type faultKind int

const (
	killWorker faultKind = iota
	restartTemporal
	terminatePG
)

// fault is one injection, fired once `after` visits have started and a
// further random pause has passed, so that it lands anywhere in a saga.
type fault struct {
	kind  faultKind
	after int64
	pause time.Duration
}

// planFaults spreads the run's faults over the stream, between the first
// and the last tenth of the visits.
func planFaults(rng *rand.Rand, p params) []fault {
	var out []fault
	add := func(kind faultKind, n int) {
		for range n {
			lo := int64(p.Settlements / 10)
			out = append(out, fault{kind: kind, after: lo + rng.Int64N(int64(p.Settlements*8/10)+1),
				pause: time.Duration(rng.IntN(3000)) * time.Millisecond})
		}
	}
	add(killWorker, p.Kills)
	add(restartTemporal, p.TemporalRestarts)
	add(terminatePG, p.PGTerminations)
	slices.SortStableFunc(out, func(a, b fault) int { return int(a.after - b.after) })
	return out
}

// faultStats counts what the injector did.
type faultStats struct {
	TemporalRestarts, PGRounds, PGBackends int
	// Log is one line per fault: when (since the stream began) and what.
	Log []string
}

// injector fires the planned faults at the run's processes.
type injector struct {
	worker   *workerSupervisor
	temporal *temporalServer
	admin    *sqlx.DB
	dbName   string
}

// run fires each fault in order, waiting for its turn in the stream. A
// Temporal restart is down for two to four seconds; it alternates SIGKILL
// and SIGTERM.
func (in injector) run(ctx context.Context, rng *rand.Rand, faults []fault, started *atomic.Int64) (faultStats, error) {
	var st faultStats
	begin := time.Now()
	for _, f := range faults {
		for started.Load() < f.after {
			select {
			case <-ctx.Done():
				return st, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		time.Sleep(f.pause)
		var what string
		switch f.kind {
		case killWorker:
			if err := in.killWorker(ctx); err != nil {
				return st, err
			}
			what = "worker SIGKILL"
		case restartTemporal:
			sig, name := syscall.SIGKILL, "SIGKILL"
			if st.TemporalRestarts%2 == 1 {
				sig, name = syscall.SIGTERM, "SIGTERM"
			}
			down := time.Duration(2000+rng.IntN(2000)) * time.Millisecond
			if err := in.temporal.restart(ctx, sig, down); err != nil {
				return st, fmt.Errorf("restart Temporal: %w", err)
			}
			st.TemporalRestarts++
			what = fmt.Sprintf("Temporal %s, down %s", name, down.Round(100*time.Millisecond))
		case terminatePG:
			n, err := terminateBackends(ctx, in.admin, in.dbName)
			if err != nil {
				return st, err
			}
			st.PGRounds++
			st.PGBackends += n
			what = fmt.Sprintf("pg_terminate_backend: %d connections", n)
		}
		st.Log = append(st.Log, fmt.Sprintf("%6.1fs  after visit %d: %s", time.Since(begin).Seconds(), started.Load(), what))
	}
	return st, nil
}

// killWorker SIGKILLs the worker, waiting (up to a minute) for the
// supervisor to have one running if it is between two.
func (in injector) killWorker(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for !in.worker.kill() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no worker running to kill: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// terminateBackends ends every connection to the database but the
// caller's, as an operator or a failover would.
func terminateBackends(ctx context.Context, admin *sqlx.DB, dbName string) (int, error) {
	var n int
	err := admin.GetContext(ctx, &n, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName)
	if err != nil {
		return 0, fmt.Errorf("pg_terminate_backend: %w", err)
	}
	return n, nil
}
