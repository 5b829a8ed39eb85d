//go:build record

package workflows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"gongji/domain"
	"gongji/internal/temporaltest"
	"gongji/worker"
	. "gongji/workflows"
)

// TestRecordBindingHistories runs BindingLifecycle scenarios on a real dev
// server with stand-in activities and writes their histories to
// testdata/unreleased/, where the replay test reads them beside the frozen
// histories of the releases. Run it after a deliberate, versioned change of
// the workflow, and keep the histories of the versions you added:
//
//	go test -tags record ./workflows -run TestRecordBindingHistories
func TestRecordBindingHistories(t *testing.T) {
	ctx := context.Background()
	srv, err := temporaltest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c := srv.Client()
	if err := worker.EnsureSearchAttributes(ctx, c, "default"); err != nil {
		t.Fatal(err)
	}
	w := sdkworker.New(c, "record", sdkworker.Options{})
	w.RegisterWorkflow(BindingLifecycle)
	w.RegisterActivityWithOptions(func(context.Context, domain.BindingTransition) error { return nil }, activity.RegisterOptions{Name: ActivityRecordTransition})
	w.RegisterActivityWithOptions(func(context.Context, domain.TermsChange) error { return nil }, activity.RegisterOptions{Name: ActivityRecordTerms})
	w.RegisterActivityWithOptions(func(context.Context, domain.ConsentAnswer) error { return nil }, activity.RegisterOptions{Name: ActivityRecordConsent})
	w.RegisterActivityWithOptions(func(context.Context, domain.BindingNotice) error { return nil }, activity.RegisterOptions{Name: ActivityNotifyHolder})
	w.RegisterWorkflow(Settlement)
	w.RegisterWorkflow(SettlementCancel)
	registerSettlementStandIns(w)
	w.RegisterWorkflow(PremiumPayment)
	registerPremiumStandIns(w)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	recordSettlements(t, c)
	recordPremiums(t, c)

	holder := Actor{Role: domain.RoleInsured, Subject: "652701198503120113"}
	reviewer := Actor{Role: domain.RoleReviewer, Subject: "reviewer01"}
	spouse := Actor{Role: domain.RoleInsured, Subject: "652701198708230228"}
	limit := domain.MustAmount("3000.00")
	scenarios := map[string]func(id string){
		"binding_approved_then_unbound": func(id string) {
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-1"})
			update(t, c, id, UpdateSubmit, SubmitRequest{By: holder})
			update(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionApprove})
			update(t, c, id, UpdateChangeTerms, TermsRequest{By: holder, Terms: domain.Terms{AnnualLimit: &limit, ValidUntil: domain.NewDate(2099, 12, 31)}})
			update(t, c, id, UpdateUnbind, UnbindRequest{By: holder, Reason: "no longer needed"})
		},
		"binding_documents_requested_then_terminated": func(id string) {
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-1"})
			update(t, c, id, UpdateSubmit, SubmitRequest{By: holder})
			update(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionRequestDocuments, Reason: "出生医学证明不清晰"})
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-2"})
			update(t, c, id, UpdateSubmit, SubmitRequest{By: holder})
			update(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionApprove})
			signal(t, c, id, SignalTerminate, Termination{Reason: "beneficiary died on 2099-01-01", By: Actor{Role: domain.RoleAdmin, Subject: "admin01"}})
		},
		"binding_rejected": func(id string) {
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-1"})
			update(t, c, id, UpdateSubmit, SubmitRequest{By: holder})
			update(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionReject, Reason: "关系证明不符"})
		},
	}
	// An adult beneficiary's binding waits for consent: the approval is
	// refused until the spouse accepts after the submission; another
	// spouse declines.
	adults := map[string]func(id string){
		"binding_consent_accepted_after_submit_then_approved": func(id string) {
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-1"})
			update(t, c, id, UpdateSubmit, SubmitRequest{By: holder, At: time.Now()})
			refused(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionApprove, At: time.Now()})
			update(t, c, id, UpdateConsent, ConsentRequest{By: spouse, Decision: domain.ConsentAccept, At: time.Now()})
			update(t, c, id, UpdateReview, ReviewRequest{By: reviewer, Decision: domain.DecisionApprove, At: time.Now()})
			update(t, c, id, UpdateUnbind, UnbindRequest{By: holder, At: time.Now()})
		},
		"binding_consent_declined": func(id string) {
			update(t, c, id, UpdateAddDocument, DocumentAdded{DocumentID: "doc-1"})
			update(t, c, id, UpdateConsent, ConsentRequest{By: spouse, Decision: domain.ConsentDecline, At: time.Now()})
		},
	}
	for name, steps := range scenarios {
		record(t, c, name, BindingInput{Relation: domain.RelationChild, Terms: domain.Terms{ValidUntil: domain.NewDate(2099, 6, 30)}}, steps)
	}
	for name, steps := range adults {
		record(t, c, name, BindingInput{Relation: domain.RelationSpouse, Consent: domain.ConsentPending}, steps)
	}
}

// record runs one binding scenario from in (its id and request time set
// here) and writes its history to testdata/unreleased/<name>.json.
func record(t *testing.T, c client.Client, name string, in BindingInput, steps func(id string)) {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	in.BindingID, in.RequestedAt = id, time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: BindingWorkflowID(id), TaskQueue: "record"}, BindingLifecycle, in)
	if err != nil {
		t.Fatal(err)
	}
	steps(id)
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	writeHistory(t, c, run.GetID(), run.GetRunID(), filepath.Join("testdata", "unreleased", name+".json"))
}

func signal(t *testing.T, c client.Client, id, name string, arg any) {
	t.Helper()
	if err := c.SignalWorkflow(context.Background(), BindingWorkflowID(id), "", name, arg); err != nil {
		t.Fatal(err)
	}
}

// refused sends an update the workflow's validator must refuse.
func refused(t *testing.T, c client.Client, id, name string, arg any) {
	t.Helper()
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: BindingWorkflowID(id), UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	if err == nil {
		t.Fatalf("update %s was not refused", name)
	}
}

func update(t *testing.T, c client.Client, id, name string, arg any) {
	t.Helper()
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: BindingWorkflowID(id), UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	if err != nil {
		t.Fatalf("update %s: %v", name, err)
	}
}

func writeHistory(t *testing.T, c client.Client, workflowID, runID, path string) {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, 0)
	var raw [][]byte
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, err := protojson.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
	}
	out := []byte(`{"events":[`)
	for i, b := range raw {
		if i > 0 {
			out = append(out, ',', '\n')
		}
		out = append(out, b...)
	}
	out = append(out, "]}\n"...)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// registerSettlementStandIns registers activities with the settlement
// activities' names that answer at once: 60.00 from the fund, 100.00 from
// one payer.
func registerSettlementStandIns(w sdkworker.Worker) {
	ok := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	ok(ActivitySettleFund, func(context.Context, domain.FundClaim) (domain.Amount, error) { return domain.MustAmount("60.00"), nil })
	ok(ActivityCancelFund, func(context.Context, domain.SettlementStep) error { return nil })
	ok(ActivityFindPayers, func(context.Context, domain.PayersQuery) ([]domain.Payer, error) {
		return []domain.Payer{{BindingID: "b-1", Holder: "652701198503120113"}}, nil
	})
	ok(ActivityDebitSharedAccount, func(context.Context, domain.SharedAccountDebit) (domain.Amount, error) {
		return domain.MustAmount("100.00"), nil
	})
	ok(ActivityRefundSharedAccount, func(context.Context, domain.SettlementStep) error { return nil })
	ok(ActivityAwaitTopup, func(context.Context, domain.TopupDue) (domain.Amount, error) { return domain.Zero, nil })
	ok(ActivityChargeCard, func(context.Context, domain.CardCharge) error { return nil })
	ok(ActivityReverseCharge, func(context.Context, string) error { return nil })
	ok(ActivityRecordTopup, func(context.Context, domain.TopupRecord) error { return nil })
	ok(ActivityRefundTopup, func(context.Context, domain.SettlementStep) error { return nil })
	ok(ActivityFinishSettlement, func(context.Context, domain.SettlementOutcome) error { return nil })
	ok(ActivityMarkCancelled, func(context.Context, domain.CancelRecord) error { return nil })
}

// recordSettlements records a settlement completed by a cash top-up, one
// reversed when its top-up times out, and a cancellation.
func recordSettlements(t *testing.T, c client.Client) {
	ctx := context.Background()
	in := SettlementInput{
		Institution: "H65270100001", Patient: "652701201605010331", Insutype: domain.InsutypeResident,
		MedicalType: domain.MedicalOutpatient, ServiceDate: domain.NewDate(2026, 11, 24),
		Total: domain.MustAmount("205.50"), Medical: domain.MustAmount("200.00"), NonMedical: domain.MustAmount("5.50"),
		UseFamilyAccount: true, TopupMethod: domain.TopupCash, TopupTimeout: 3 * time.Second,
	}
	start := func(name string, in SettlementInput) client.WorkflowRun {
		in.SettlementID = uuid.NewString()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: SettlementWorkflowID(in.Institution, name+"-"+in.SettlementID[:8]), TaskQueue: "record"}, Settlement, in)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}

	completed := in
	completed.TopupTimeout = time.Minute
	run := start("V-cash", completed)
	time.Sleep(time.Second)
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: UpdateTopup,
		Args: []any{TopupRequest{Method: domain.TopupCash, Amount: domain.MustAmount("45.50"), ReceiptNo: "R-1"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		t.Fatalf("cash top-up: %v", err)
	}
	finish(t, c, run, "settlement_completed_cash")

	finish(t, c, start("V-timeout", in), "settlement_reversed_topup_timeout")

	cancel, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "settlement-cancel:" + uuid.NewString(), TaskQueue: "record"}, SettlementCancel,
		CancelInput{SettlementID: uuid.NewString(), Reason: "退费", Payers: []PaidBy{{BindingID: "b-1", Holder: "652701198503120113", Amount: domain.MustAmount("100.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	finish(t, c, cancel, "settlement_cancel")
}

// registerPremiumStandIns registers activities with the premium payment
// activities' names that answer at once, except that the collection
// system never books a premium of 2099.
func registerPremiumStandIns(w sdkworker.Worker) {
	ok := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	ok(ActivityDebitPremium, func(context.Context, domain.PremiumRef) error { return nil })
	ok(ActivityRefundPremium, func(context.Context, domain.PremiumRef) error { return nil })
	ok(ActivityPostPremium, func(_ context.Context, p domain.PremiumPosting) error {
		if p.Year == 2099 {
			return errors.New("the collection system is down")
		}
		return nil
	})
	ok(ActivityCancelPremiumPosting, func(context.Context, domain.PremiumRef) error { return nil })
	ok(ActivityFinishPremiumPayment, func(context.Context, domain.PremiumOutcome) error { return nil })
}

// recordPremiums records a premium payment that completes and one reversed
// after the collection system failed five times.
func recordPremiums(t *testing.T, c client.Client) {
	for name, year := range map[string]int{"premium_completed": 2027, "premium_reversed_posting_failed": 2099} {
		in := PremiumInput{PaymentID: uuid.NewString(), Holder: "652701198503120113", Beneficiary: "652701201605010331",
			BindingID: uuid.NewString(), Year: year, Amount: domain.MustAmount("400.00")}
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: PremiumWorkflowID(in.PaymentID), TaskQueue: "record"}, PremiumPayment, in)
		if err != nil {
			t.Fatal(err)
		}
		finish(t, c, run, name)
	}
}

func finish(t *testing.T, c client.Client, run client.WorkflowRun, name string) {
	t.Helper()
	if err := run.Get(context.Background(), nil); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	writeHistory(t, c, run.GetID(), run.GetRunID(), filepath.Join("testdata", "unreleased", name+".json"))
}
