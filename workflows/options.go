package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// withActivityOptions gives short database activities a ten-second
// attempt and retries them without limit (a refusal is non-retryable);
// money and status must not be left half-written.
func withActivityOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// withNotifyOptions gives notifications a day of retries; after that the
// workflow goes on without them.
func withNotifyOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Minute,
		},
	})
}

// withLocalOptions runs a short database step as a local activity, inside
// the workflow task that reached it, instead of a round trip through the
// server's activity queue. Like withActivityOptions it gives each attempt
// ten seconds and retries transient failures practically without limit
// (the worker turns backoffs longer than a workflow task into timers; the
// SDK needs a schedule-to-close bound, here a year). A local activity
// whose result was lost, e.g. to a worker crash, runs again when the task
// is replayed: each step given these options must be idempotent on its
// business key.
func withLocalOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 365 * 24 * time.Hour,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}
