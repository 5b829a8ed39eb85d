package invariants

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/activities"
	"gongji/db"
	"gongji/workflows"
)

// LiveBindingWithoutWorkflow names the check that needs Temporal.
const LiveBindingWithoutWorkflow = "no live binding row without a running workflow"

// Workflows is what CheckWorkflows needs: a Temporal client, and how long
// a live row must be unchanged before it is looked at (a binding whose
// workflow is being started has a row for a moment without it; 0 looks at
// every row, for a quiet database).
type Workflows struct {
	Client client.Client
	Idle   time.Duration
}

// CheckWorkflows checks that every binding row in a live status
// (awaiting_documents, under_review, active) has a running workflow,
// asking Temporal about each one. It reads only; an error means a query
// failed, not that the invariant is broken.
func CheckWorkflows(ctx context.Context, store *db.Store, w Workflows) (Result, error) {
	res := Result{Name: LiveBindingWithoutWorkflow, Design: 0}
	after := ""
	for {
		ids, err := store.LiveBindingsIdle(ctx, after, w.Idle, 500)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", res.Name, err)
		}
		if len(ids) == 0 {
			return res, nil
		}
		for _, id := range ids {
			why, err := activities.WhyNotRunning(ctx, w.Client, workflows.BindingWorkflowID(id))
			if err != nil {
				return Result{}, fmt.Errorf("%s: %w", res.Name, err)
			}
			res.Checked++
			if why != "" {
				res.Violations = append(res.Violations, id+": "+why)
			}
		}
		after = ids[len(ids)-1]
	}
}
