// Package invariants checks DESIGN.md's invariants that are facts of the
// database (no negative balance, usage within limits, money conserved,
// each settlement and premium payment debited at most once and ended
// completed or fully undone, no debit after the holder's death or loss of
// cover) over a whole gongji database, and, with a Temporal client
// (CheckWorkflows), that no binding row stays live without its workflow. The API tests
// run it after each settlement test; the chaos suite runs it after killing
// the worker, Temporal and PostgreSQL connections.
package invariants

import (
	"context"
	"fmt"

	"gongji/db"
)

// Options choose what is checked beyond the invariants that hold at any
// quiet moment.
type Options struct {
	// Settled also requires every settlement and premium payment to have
	// ended: none processing or awaiting a top-up. Use it once the
	// workload has stopped and every saga has had time to finish.
	Settled bool
}

// Result is one invariant: how many rows it looked at and the rows that
// break it (empty when it holds).
type Result struct {
	Name string
	// Design is the number of the invariant in DESIGN.md it belongs to;
	// 0 for a rule DESIGN.md states outside its numbered invariants.
	Design     int
	Checked    int
	Violations []string
}

// Report is every invariant checked, in a fixed order.
type Report struct {
	Results []Result
}

// OK reports whether no invariant is broken.
func (r Report) OK() bool {
	for _, res := range r.Results {
		if len(res.Violations) > 0 {
			return false
		}
	}
	return true
}

// Check runs every invariant against the store's database. It reads only;
// an error means a query failed, not that an invariant is broken.
func Check(ctx context.Context, store *db.Store, opts Options) (Report, error) {
	var r Report
	for _, c := range checks(opts) {
		res := Result{Name: c.name, Design: c.design}
		if err := store.DB().GetContext(ctx, &res.Checked, c.scope); err != nil {
			return Report{}, fmt.Errorf("%s: count: %w", c.name, err)
		}
		if err := store.DB().SelectContext(ctx, &res.Violations, c.broken); err != nil {
			return Report{}, fmt.Errorf("%s: %w", c.name, err)
		}
		r.Results = append(r.Results, res)
	}
	return r, nil
}
