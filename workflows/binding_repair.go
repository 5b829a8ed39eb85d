package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"gongji/domain"
)

// BindingRepairScheduleID is the Temporal Schedule that runs BindingRepair.
const BindingRepairScheduleID = "gongji-binding-repair"

// BindingRepairInput is what the schedule starts the repair with.
type BindingRepairInput struct {
	// Idle is how long a live row must be unchanged before the repair looks
	// at it: longer than a binding request takes to start its workflow.
	Idle time.Duration
}

// BindingRepair closes the binding rows left live by a workflow that is
// not running (see activities.BindingRepair.CloseOrphanBindings). It is
// one activity that heartbeats its progress; a run that fails for good
// leaves the rest to the next scheduled run.
func BindingRepair(ctx workflow.Context, in BindingRepairInput) (domain.RepairResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    5,
		},
	})
	var out domain.RepairResult
	err := workflow.ExecuteActivity(ctx, ActivityCloseOrphanBindings, domain.RepairRequest{Idle: in.Idle}).Get(ctx, &out)
	return out, err
}
