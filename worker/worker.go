// Package worker wires gongji's workflows and activities to a Temporal
// worker.
package worker

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"gongji/activities"
	"gongji/db"
	"gongji/external"
	"gongji/workflows"
)

// Deps are what the activities need.
type Deps struct {
	Store    *db.Store
	Notifier activities.Notifier
	Fund     external.FundEngine
	Cards    external.CardGateway
	Premiums external.PremiumCollector
}

// BuiltinDeps wires the offline adapters: the inbox notifier, the
// built-in fund engine, the card simulator and the premium collection
// simulator, with faults armed through faults (nil for none).
func BuiltinDeps(store *db.Store, faults *external.Faults) Deps {
	return Deps{
		Store:    store,
		Notifier: activities.InboxNotifier{Store: store, Faults: faults},
		Fund:     external.BuiltinFund{Store: store, Faults: faults},
		Cards:    external.CardSimulator{Store: store, Faults: faults},
		Premiums: external.PremiumSimulator{Store: store, Faults: faults},
	}
}

// New returns a worker for the task queue with every workflow and activity
// registered; start it with Run or Start.
func New(c client.Client, taskQueue string, d Deps) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 4})
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
	r.RegisterActivity(&activities.Bindings{Store: d.Store, Notifier: d.Notifier})
	r.RegisterActivity(&activities.Settlements{Store: d.Store, Fund: d.Fund, Cards: d.Cards})
	r.RegisterActivity(&activities.Premiums{Store: d.Store, Collector: d.Premiums})
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
