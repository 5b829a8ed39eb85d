package api

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
)

// failingUpdates is the real Temporal client except that every workflow
// update fails with err. It records how long the API let each update wait.
type failingUpdates struct {
	Temporal
	err error

	mu     sync.Mutex
	budget []time.Duration
}

func (f *failingUpdates) UpdateWorkflow(ctx context.Context, _ client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	deadline, ok := ctx.Deadline()
	if !ok {
		f.budget = append(f.budget, -1)
	} else {
		f.budget = append(f.budget, time.Until(deadline))
	}
	return nil, f.err
}

// withFailingUpdates is the API over the same database, whose workflow
// updates fail with err.
func withFailingUpdates(t *testing.T, err error) (*testAPI, *failingUpdates) {
	t.Helper()
	fake := &failingUpdates{Temporal: testTemporal.Client(), err: err}
	return newTestAPIWith(t, func(d *Deps) { d.Temporal = fake }), fake
}

// ---------------------------------------------------------------------------
// A binding update that is not answered in time

func TestBindingUpdate_TimedOut_IsUnavailableAndBounded(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"SDK update timeout", client.NewWorkflowUpdateServiceTimeoutOrCanceledError(context.DeadlineExceeded)},
		{"SDK update cancelled", client.NewWorkflowUpdateServiceTimeoutOrCanceledError(errors.New("rpc error: code = Canceled"))},
		{"context deadline", context.DeadlineExceeded},
		{"context cancelled", context.Canceled},
		{"Temporal unreachable", serviceerror.NewUnavailable("connection refused")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAPI(t)
			f := a.newFamily()
			b := a.requestBinding(f, nil)
			a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")

			slow, fake := withFailingUpdates(t, tt.err)
			res := slow.submit(f.holderToken, b.ID)
			res.expect(t, 503, domain.CodeUnavailable)
			if strings.Contains(string(res.body), tt.err.Error()) {
				t.Errorf("the SDK's text leaked: %s", res.body)
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if len(fake.budget) != 1 || fake.budget[0] <= 0 || fake.budget[0] > bindingUpdateTimeout {
				t.Errorf("the update waited with budget %v, want a deadline within %s", fake.budget, bindingUpdateTimeout)
			}
			if got := a.getBinding(f.holderToken, b.ID); got.Status != "awaiting_documents" {
				t.Errorf("status %s", got.Status)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// An upload the workflow does not take

func TestPostDocument_UpdateFails_StoresNothing(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.requestBinding(f, nil)
	_, historyBefore := a.pairRows(f.holder, f.beneficiary)

	down, _ := withFailingUpdates(t, serviceerror.NewUnavailable("connection refused"))
	down.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 503, domain.CodeUnavailable)
	if n := a.documentRows(b.ID); n != 0 {
		t.Fatalf("%d documents stored for a refused upload", n)
	}
	if _, history := a.pairRows(f.holder, f.beneficiary); history != historyBefore {
		t.Fatalf("history %d → %d entries for a refused upload", historyBefore, history)
	}

	// The binding is as it was: a retry with Temporal back succeeds.
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
	if got := a.getBinding(f.holderToken, b.ID); len(got.Documents) != 1 {
		t.Fatalf("documents %+v", got.Documents)
	}
}

// ---------------------------------------------------------------------------
// Approval re-checks the rules

func TestReview_ApproveAfterHolderAccountFrozen_IsRefused(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.submitted(f)

	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/account", token: a.admin(),
		body: map[string]any{"balance": "1000.00", "status": "frozen"}}).expect(t, 200, "")
	a.review(b.ID, "approve", "").expect(t, 422, domain.CodeHolderAccountFrozen)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" {
		t.Fatalf("status %s, want under_review", got.Status)
	}

	// Thawed, it can be approved.
	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/account", token: a.admin(),
		body: map[string]any{"balance": "1000.00", "status": "normal"}}).expect(t, 200, "")
	a.review(b.ID, "approve", "").expect(t, 200, "")
}

func TestReview_ApproveAfterBeneficiarySuspended_IsRefused(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.submitted(f)

	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "suspended", "arrears": false}}).expect(t, 200, "")
	a.review(b.ID, "approve", "").expect(t, 422, domain.CodeBeneficiaryInsuranceAbnormal)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" {
		t.Fatalf("status %s, want under_review", got.Status)
	}
	// A rejection is not held up by the rules.
	a.review(b.ID, "reject", "beneficiary's insurance suspended").expect(t, 200, "")
}

func TestReview_ApproveAfterValidUntil_IsRefused(t *testing.T) {
	a := newTestAPI(t)
	f := a.newChildFamily()
	b := a.requestBinding(f, map[string]any{"valid_until": testNow.AddDate(0, 0, 3).Format(time.DateOnly)})
	a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
	a.submit(f.holderToken, b.ID).expect(t, 200, "")

	fourDaysOn := testNow.AddDate(0, 0, 4)
	later := newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return fourDaysOn } })
	tok, err := IssueToken(testSecret, domain.RoleReviewer, "reviewer01", time.Hour, fourDaysOn)
	if err != nil {
		t.Fatal(err)
	}
	later.post(tok, "/v1/bindings/"+b.ID+"/review", map[string]any{"decision": "approve"}).expect(t, 422, domain.CodeValidUntilInPast)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "under_review" {
		t.Fatalf("status %s, want under_review", got.Status)
	}
}

// ---------------------------------------------------------------------------
// Moving out of the pools ends bindings

func TestTermination_HolderMovesOutOfBortala_TerminatesTheHoldersBindings(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	held := a.approvedBinding(f, nil)
	// The holder is also bound as a beneficiary by another holder: that
	// binding only needs the holder in Xinjiang, which Urumqi is.
	parent := family{holder: a.syncInsured("310", "652701", "normal", false, "500.00", "normal"), beneficiary: f.holder}
	parent.holderToken = a.token(domain.RoleInsured, string(parent.holder))
	asBeneficiary := a.approvedBinding(parent, nil)

	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "310", "admdvs": "650102", "status": "normal", "arrears": false}}).expect(t, 200, "")

	var got bindingBody
	a.eventually("the holder's binding to be terminated", func() bool {
		got = a.getBinding(f.holderToken, held.ID)
		return got.Status == "terminated"
	})
	if last := got.History[len(got.History)-1]; !strings.Contains(last.Reason, "outside Bortala") || last.By != "admin:admin01" {
		t.Errorf("last history entry %+v", last)
	}
	time.Sleep(300 * time.Millisecond)
	if got := a.getBinding(parent.holderToken, asBeneficiary.ID); got.Status != "active" {
		t.Errorf("the binding naming the moved holder as beneficiary became %s", got.Status)
	}
}

func TestTermination_BeneficiaryMovesOutOfXinjiang_TerminatesTheBinding(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, nil)
	// Moving within Xinjiang (to Urumqi) ends nothing.
	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "390", "admdvs": "650102", "status": "normal", "arrears": false}}).expect(t, 200, "")
	time.Sleep(300 * time.Millisecond)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "active" {
		t.Fatalf("a move within Xinjiang made the binding %s", got.Status)
	}

	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "390", "admdvs": "110105", "status": "normal", "arrears": false}}).expect(t, 200, "")
	var got bindingBody
	a.eventually("the binding to be terminated", func() bool {
		got = a.getBinding(f.holderToken, b.ID)
		return got.Status == "terminated"
	})
	if last := got.History[len(got.History)-1]; !strings.Contains(last.Reason, "outside Xinjiang") {
		t.Errorf("last history entry %+v", last)
	}
}

func TestTermination_SuspensionDoesNotTerminate(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, nil)
	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "310", "admdvs": "652701", "status": "suspended", "arrears": true}}).expect(t, 200, "")
	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "suspended", "arrears": false}}).expect(t, 200, "")
	time.Sleep(300 * time.Millisecond)
	if got := a.getBinding(f.holderToken, b.ID); got.Status != "active" {
		t.Fatalf("a suspension made the binding %s", got.Status)
	}
}
