package main

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// Empty is the floor-(b) workflow: it does nothing, so starting it and
// waiting for its result measures one workflow task's round trip through
// the same client, server and worker the settlements use.
func Empty(workflow.Context) error { return nil }

// emptyRunner starts Empty workflows and waits for each to end.
type emptyRunner struct {
	client    client.Client
	taskQueue string
	run       string
	eager     bool
}

func (e *emptyRunner) roundTrip(ctx context.Context, n int64) error {
	r, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: fmt.Sprintf("bench-empty:%s:%d", e.run, n), TaskQueue: e.taskQueue, EnableEagerStart: e.eager,
	}, Empty)
	if err != nil {
		return err
	}
	return r.Get(ctx, nil)
}
