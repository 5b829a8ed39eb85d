// Package worker wires gongji's workflows and activities to a Temporal
// worker.
package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"gongji/activities"
	"gongji/db"
	"gongji/external"
	"gongji/sim"
	"gongji/workflows"
)

// Deps are what the activities need.
type Deps struct {
	Store    *db.Store
	Notifier activities.Notifier
	Fund     external.FundEngine
	Cards    external.CardGateway
	Premiums external.PremiumCollector
	// Temporal is the client the binding repair asks about workflows
	// (New sets it to the worker's client when nil).
	Temporal client.Client
}

// BuiltinDeps wires the offline adapters: the inbox notifier and the
// simulators of the fund engine, the card gateway and the premium
// collection system (package sim, in the store's database), with faults
// armed through faults (nil for none).
func BuiltinDeps(store *db.Store, faults *external.Faults) Deps {
	return Deps{
		Store:    store,
		Notifier: activities.InboxNotifier{Store: store, Faults: faults},
		Fund:     sim.Fund{DB: store.DB(), Faults: faults},
		Cards:    sim.Cards{DB: store.DB(), Faults: faults},
		Premiums: sim.Premiums{DB: store.DB(), Faults: faults},
	}
}

// New returns a worker for the task queue with every workflow and activity
// registered; start it with Run or Start.
func New(c client.Client, taskQueue string, d Deps) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 4})
	if d.Temporal == nil {
		d.Temporal = c
	}
	Register(w, d)
	return w
}

// Register adds gongji's workflows and activities to a registry: a worker,
// a replayer or a test environment.
func Register(r interface {
	sdkworker.WorkflowRegistry
	sdkworker.ActivityRegistry
}, d Deps) {
	r.RegisterWorkflow(workflows.BindingLifecycle)
	r.RegisterWorkflow(workflows.Settlement)
	r.RegisterWorkflow(workflows.SettlementCancel)
	r.RegisterWorkflow(workflows.PremiumPayment)
	r.RegisterWorkflow(workflows.BindingRepair)
	r.RegisterActivity(&activities.Bindings{Store: d.Store, Notifier: d.Notifier})
	r.RegisterActivity(&activities.Settlements{Store: d.Store, Fund: d.Fund, Cards: d.Cards})
	r.RegisterActivity(&activities.Premiums{Store: d.Store, Collector: d.Premiums})
	r.RegisterActivity(&activities.BindingRepair{Store: d.Store, Temporal: d.Temporal, WorkflowID: workflows.BindingWorkflowID})
}

// EnsureSearchAttributes registers the typed search attributes the
// workflows set, if the namespace lacks them.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace,
		SearchAttributes: map[string]enums.IndexedValueType{
			workflows.BindingStatusKey.GetName():   enums.INDEXED_VALUE_TYPE_KEYWORD,
			workflows.BindingRelationKey.GetName(): enums.INDEXED_VALUE_TYPE_KEYWORD,
		},
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes: %w", err)
	}
	return nil
}

// Binding repair cadence: every repairEvery, the rows live and unchanged
// for repairIdle whose workflow is not running are closed.
const (
	repairEvery = 15 * time.Minute
	repairIdle  = 10 * time.Minute
)

// EnsureBindingRepairSchedule creates the Temporal Schedule that runs the
// BindingRepair workflow on the task queue every quarter of an hour (a
// run still going when the next is due makes that one skip), if it does
// not exist yet.
func EnsureBindingRepairSchedule(ctx context.Context, c client.Client, taskQueue string) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      workflows.BindingRepairScheduleID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: repairEvery}}},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{
			ID: workflows.BindingRepairScheduleID, Workflow: workflows.BindingRepair, TaskQueue: taskQueue,
			Args: []any{workflows.BindingRepairInput{Idle: repairIdle}},
		},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create the binding repair schedule: %w", err)
	}
	return nil
}
