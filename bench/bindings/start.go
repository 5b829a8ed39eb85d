package main

import (
	"context"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"gongji/domain"
	"gongji/workflows"
)

// startWorkflows starts a BindingLifecycle for each family in state active,
// due to expire at expiresAt, with the reminder for `until` already sent,
// `concurrency` starts at a time. It returns how long the starts took.
func startWorkflows(ctx context.Context, c client.Client, taskQueue string, fams []family, until domain.Date,
	expiresAt, requestedAt time.Time, concurrency int) (time.Duration, error) {
	terms := domain.Terms{ValidUntil: until}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	var done atomic.Int64
	step := max(int64(len(fams)/10), 1)
	began := time.Now()
	for _, f := range fams {
		g.Go(func() error {
			_, err := c.ExecuteWorkflow(gctx, client.StartWorkflowOptions{
				ID:        workflows.BindingWorkflowID(f.BindingID),
				TaskQueue: taskQueue,
				TypedSearchAttributes: temporal.NewSearchAttributes(
					workflows.BindingStatusKey.ValueSet(string(domain.BindingActive)),
					workflows.BindingRelationKey.ValueSet(string(domain.RelationChild)),
				),
			}, workflows.BindingLifecycle, workflows.BindingInput{
				BindingID: f.BindingID, Relation: domain.RelationChild, Terms: terms, RequestedAt: requestedAt,
				State: &workflows.BindingState{
					Status: domain.BindingActive, Terms: terms, ExpiresAt: expiresAt,
					ReminderSentFor: until, EventSeq: 2,
				},
			})
			if n := done.Add(1); n%step == 0 {
				say("started %d of %d (%.0f/s)", n, len(fams), float64(n)/time.Since(began).Seconds())
			}
			return err
		})
	}
	err := g.Wait()
	return time.Since(began), err
}
