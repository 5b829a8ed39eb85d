package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
)

// NoWorkflowReason is what the history of a binding closed without its
// workflow says.
const NoWorkflowReason = "workflow not running"

// RepairActor is who closes a binding in the periodic repair.
const RepairActor = "system:binding-repair"

// BindingRepair closes binding rows left live by a workflow that is not
// running: one terminated by an operator, or one that never started.
type BindingRepair struct {
	Store    repairStore
	Temporal client.Client
	// WorkflowID names a binding's workflow.
	WorkflowID func(bindingID string) string
}

// repairStore is what the binding repair reads and writes (*db.Store).
type repairStore interface {
	LiveBindingsIdle(ctx context.Context, afterID string, idle time.Duration, limit int) ([]string, error)
	CloseBindingWithoutWorkflow(ctx context.Context, c db.Closure) (closed bool, err error)
}

// CloseOrphanBindings walks the idle live bindings in id order, a batch
// at a time, asks Temporal about each one's workflow and closes the row
// (terminated, "workflow not running" in its history, the holder told)
// when the workflow is missing or no longer running. It is idempotent: a
// closed row is no longer live, and a repeated closure does nothing. It
// heartbeats the last id of each batch, so a retried attempt goes on from
// there.
func (a *BindingRepair) CloseOrphanBindings(ctx context.Context, r domain.RepairRequest) (domain.RepairResult, error) {
	var res domain.RepairResult
	after := ""
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &after)
	}
	size := r.BatchSize
	if size <= 0 {
		size = 200
	}
	for {
		ids, err := a.Store.LiveBindingsIdle(ctx, after, r.Idle, size)
		if err != nil || len(ids) == 0 {
			return res, err
		}
		for _, id := range ids {
			why, err := WhyNotRunning(ctx, a.Temporal, a.WorkflowID(id))
			if err != nil {
				return res, err
			}
			res.Checked++
			if why == "" {
				continue
			}
			closed, err := a.Store.CloseBindingWithoutWorkflow(ctx, db.Closure{
				BindingID: id, By: RepairActor, Reason: why, At: time.Now(), EventKey: id + ":terminated:no-workflow",
			})
			if err != nil {
				return res, err
			}
			if closed {
				res.Closed++
			}
		}
		after = ids[len(ids)-1]
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, after)
		}
	}
}

// WhyNotRunning asks Temporal about a workflow and says why it is not
// running ("" when it is): missing, or its closed status.
func WhyNotRunning(ctx context.Context, c client.Client, workflowID string) (string, error) {
	d, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	var missing *serviceerror.NotFound
	if errors.As(err, &missing) {
		return NoWorkflowReason + ": no workflow", nil
	}
	if err != nil {
		return "", fmt.Errorf("describe workflow %s: %w", workflowID, err)
	}
	status := d.GetWorkflowExecutionInfo().GetStatus()
	if status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", nil
	}
	return NoWorkflowReason + ": " + status.String(), nil
}
