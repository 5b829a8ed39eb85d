// Package app holds gongji's use cases: every flow that changes something
// (a binding's lifecycle, the termination of a person's bindings by sync, a
// settlement, a premium payment) in one place that the HTTP API and the
// web console call. A use case takes well-formed domain values (each front
// end parses its own input), the actor and the instant; it checks the
// rules, writes the row, starts, updates or signals the workflow and waits
// for it, and returns the result or a *domain.Error with a stable code.
// Status codes, headers, idempotency and authentication are the front
// end's.
package app

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
)

// Temporal is the part of the Temporal client the use cases need:
// starting, signalling and updating workflows.
type Temporal interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
}

// PremiumRates is the collection system's policy data the premium rules
// read: the resident premium of a year, PREMIUM_NOT_FOUND when it has none.
type PremiumRates interface {
	Premium(ctx context.Context, year int) (domain.Premium, error)
}

// Config is what the use cases need. A zero duration takes its default.
type Config struct {
	Store    *db.Store
	Temporal Temporal
	// Premiums is the premium collection system's policy data.
	Premiums PremiumRates
	// TaskQueue is where workflows are started.
	TaskQueue string
	// TopupTimeout is how long a settlement waits for its top-up (15 min).
	TopupTimeout time.Duration
	// BindingUpdateTimeout bounds the wait for a binding's workflow to
	// answer an update (10 s); the caller then gets UNAVAILABLE.
	BindingUpdateTimeout time.Duration
}

// App runs the use cases. Its methods are safe for concurrent use.
type App struct {
	store                *db.Store
	temporal             Temporal
	premiums             PremiumRates
	taskQueue            string
	topupTimeout         time.Duration
	bindingUpdateTimeout time.Duration
}

// New builds the use cases from cfg.
func New(cfg Config) *App {
	if cfg.TopupTimeout <= 0 {
		cfg.TopupTimeout = 15 * time.Minute
	}
	if cfg.BindingUpdateTimeout <= 0 {
		cfg.BindingUpdateTimeout = 10 * time.Second
	}
	return &App{store: cfg.Store, temporal: cfg.Temporal, premiums: cfg.Premiums, taskQueue: cfg.TaskQueue,
		topupTimeout: cfg.TopupTimeout, bindingUpdateTimeout: cfg.BindingUpdateTimeout}
}
