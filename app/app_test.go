package app_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/app"
	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/demo"
	"gongji/internal/testclock"
	"gongji/sim"
	"gongji/workflows"
)

// The API's tests (api/*_test.go) run every use case through HTTP against
// a real Temporal server. These call them as the web console will, with no
// HTTP, and check what only the use case's own signature promises: the
// actor and the instant the caller passes are the ones the workflows hear.

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

// recordingTemporal stands in for Temporal: it accepts every start,
// update and signal, and records them.
type recordingTemporal struct {
	mu      sync.Mutex
	starts  []any
	updates []client.UpdateWorkflowOptions
	signals []workflows.Termination
}

func (r *recordingTemporal) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts = append(r.starts, args...)
	return nil, nil
}

func (r *recordingTemporal) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, o)
	return answeredUpdate{}, nil
}

func (r *recordingTemporal) SignalWorkflow(_ context.Context, _, _, _ string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signals = append(r.signals, arg.(workflows.Termination))
	return nil
}

// answeredUpdate is an update the workflow accepted.
type answeredUpdate struct{}

func (answeredUpdate) WorkflowID() string             { return "" }
func (answeredUpdate) RunID() string                  { return "" }
func (answeredUpdate) UpdateID() string               { return "" }
func (answeredUpdate) Get(context.Context, any) error { return nil }

// newApp is the use cases over the package's database, with the demo
// family in it, and a recording Temporal.
func newApp(t *testing.T) (*app.App, *recordingTemporal) {
	t.Helper()
	store := db.NewStore(dbtest.Open(t, testURL))
	if err := demo.Seed(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	rec := &recordingTemporal{}
	return app.New(app.Config{Store: store, Temporal: rec, Premiums: sim.Premiums{DB: store.DB()}, TaskQueue: "app-test"}), rec
}

func insured(id domain.IDNumber) domain.Principal {
	return domain.Principal{Role: domain.RoleInsured, Subject: string(id)}
}

func TestBindingUseCases_WithoutHTTP_TheWorkflowHearsTheCallersActorAndInstant(t *testing.T) {
	ctx := context.Background()
	a, rec := newApp(t)
	// An instant that is not the wall clock's, so that a use case reading
	// the clock would be seen.
	at := testclock.Now().Add(-90 * time.Minute).Truncate(time.Microsecond)
	holder := insured(demo.Holder)

	b, err := a.RequestBinding(ctx, holder, app.BindingRequest{Beneficiary: demo.Child, Relation: domain.RelationChild}, at)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if len(rec.starts) != 1 {
		t.Fatalf("started %d workflows, want 1", len(rec.starts))
	}
	in := rec.starts[0].(workflows.BindingInput)
	if in.BindingID != b.ID || !in.RequestedAt.Equal(at) || !b.RequestedAt.Equal(at) {
		t.Errorf("started binding %s requested at %s (row: %s), want %s at %s", in.BindingID, in.RequestedAt, b.RequestedAt, b.ID, at)
	}
	if b.Status != domain.BindingAwaitingDocuments || b.Holder != demo.Holder {
		t.Errorf("binding is %s, held by %s; want awaiting_documents, held by %s", b.Status, b.Holder, demo.Holder)
	}

	// Refusals come before any workflow call.
	if _, err := a.Submit(ctx, insured(demo.Spouse), b, at); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("submit by a stranger: %v, want %s", err, domain.CodeForbidden)
	}
	if _, err := a.Submit(ctx, holder, b, at); domain.ErrorCode(err) != domain.CodeDocumentsRequired {
		t.Errorf("submit without a document: %v, want %s", err, domain.CodeDocumentsRequired)
	}
	if len(rec.updates) != 0 {
		t.Fatalf("refused requests sent %d updates, want none", len(rec.updates))
	}

	if _, err := a.Unbind(ctx, holder, b, "moved away", at); err != nil {
		t.Fatalf("unbind: %v", err)
	}
	if len(rec.updates) != 1 || rec.updates[0].UpdateName != workflows.UpdateUnbind {
		t.Fatalf("updates sent: %d, want one %s", len(rec.updates), workflows.UpdateUnbind)
	}
	got := rec.updates[0].Args[0].(workflows.UnbindRequest)
	want := workflows.UnbindRequest{By: workflows.Actor{Role: domain.RoleInsured, Subject: string(demo.Holder)}, Reason: "moved away", At: at}
	if got.By != want.By || got.Reason != want.Reason || !got.At.Equal(want.At) {
		t.Errorf("unbind sent %+v, want %+v", got, want)
	}
}

func TestRequestBinding_WithoutHTTP_RefusedHolderLeavesNothing(t *testing.T) {
	ctx := context.Background()
	a, rec := newApp(t)
	_, err := a.RequestBinding(ctx, insured(demo.FrozenHolder), app.BindingRequest{Beneficiary: demo.Resident, Relation: domain.RelationSibling}, testclock.Now())
	if domain.ErrorCode(err) != domain.CodeHolderAccountFrozen {
		t.Fatalf("request by a frozen holder: %v, want %s", err, domain.CodeHolderAccountFrozen)
	}
	if len(rec.starts) != 0 {
		t.Errorf("a refused request started %d workflows", len(rec.starts))
	}
}

func TestRecordDeath_WithoutHTTP_SignalsTheLiveBindingsOnBehalfOfTheCaller(t *testing.T) {
	ctx := context.Background()
	a, rec := newApp(t)
	at := testclock.Now()
	b, err := a.RequestBinding(ctx, insured(demo.Holder), app.BindingRequest{Beneficiary: demo.Spouse, Relation: domain.RelationSpouse}, at)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	admin := domain.Principal{Role: domain.RoleAdmin, Subject: demo.AdminID}
	died := domain.DateOf(at).AddDays(-1)
	if _, err := a.RecordDeath(ctx, admin, demo.Spouse, died, at); err != nil {
		t.Fatalf("record death: %v", err)
	}
	want := workflows.Termination{Reason: "beneficiary died on " + died.String(), By: workflows.Actor{Role: domain.RoleAdmin, Subject: demo.AdminID}}
	if len(rec.signals) != 1 || rec.signals[0] != want {
		t.Fatalf("binding %s: signals sent %+v, want [%+v]", b.ID, rec.signals, want)
	}
}
