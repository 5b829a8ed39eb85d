package api

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/workflows"
)

// A start's outcome as the API sees it.
type startOutcome int

const (
	startAnswered      startOutcome = iota
	startLostAnswer                 // the workflow is started, the answer times out
	startTimesOutFirst              // the call times out before the workflow is started
	startRefused                    // refused for certain, nothing started
)

// scriptedStarts is the real Temporal client, except that its workflow
// starts follow a script, one outcome per call; the last one repeats.
type scriptedStarts struct {
	Temporal
	mu     sync.Mutex
	script []startOutcome
	calls  int
}

func (s *scriptedStarts) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	s.mu.Lock()
	outcome := s.script[min(s.calls, len(s.script)-1)]
	s.calls++
	s.mu.Unlock()
	timedOut := serviceerror.NewDeadlineExceeded("context deadline exceeded")
	switch outcome {
	case startLostAnswer:
		if _, err := s.Temporal.ExecuteWorkflow(ctx, o, wf, args...); err != nil {
			return nil, err
		}
		return nil, timedOut
	case startTimesOutFirst:
		return nil, timedOut
	case startRefused:
		return nil, serviceerror.NewInvalidArgument("refused")
	}
	return s.Temporal.ExecuteWorkflow(ctx, o, wf, args...)
}

// withStarts is the API over the same database whose workflow starts
// follow script.
func withStarts(t *testing.T, script ...startOutcome) *testAPI {
	t.Helper()
	return newTestAPIWith(t, func(d *Deps) { d.Temporal = &scriptedStarts{Temporal: d.Temporal, script: script} })
}

// workflowRuns counts the binding's workflow runs Temporal knows (0 or 1
// with a single run).
func workflowRuns(t *testing.T, bindingID string) int {
	t.Helper()
	_, err := testTemporal.Client().DescribeWorkflowExecution(context.Background(), workflows.BindingWorkflowID(bindingID), "")
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return 1
	case errors.As(err, &notFound):
		return 0
	}
	t.Fatal(err)
	return 0
}

// pairStarts lists the ids of the family's binding rows, and whether each
// has its workflow start confirmed.
func (a *testAPI) pairStarts(f family) map[string]bool {
	a.t.Helper()
	var rows []struct {
		ID      string `db:"id"`
		Started bool   `db:"workflow_started"`
	}
	if err := a.store.DB().SelectContext(context.Background(), &rows,
		`SELECT id, workflow_started FROM bindings WHERE holder_id_number = $1 AND beneficiary_id_number = $2`, f.holder, f.beneficiary); err != nil {
		a.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		out[r.ID] = r.Started
	}
	return out
}

func bindingRequest(f family, limit string) request {
	return request{method: "POST", path: "/v1/bindings", token: f.holderToken, body: map[string]any{
		"beneficiary_id_number": string(f.beneficiary), "relation": "child", "annual_limit": limit,
	}}
}

// A start whose answer is lost, or that times out before it starts, is
// tried again within the request: the retry attaches to the workflow the
// first attempt started, or starts it. One row, one workflow, 201.
func TestPostBinding_StartTimesOut_RetryAttachesOrStarts(t *testing.T) {
	tests := []struct {
		name   string
		script []startOutcome
	}{
		{"timed out after starting", []startOutcome{startLostAnswer, startAnswered}},
		{"timed out before starting", []startOutcome{startTimesOutFirst, startAnswered}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := withStarts(t, tt.script...)
			f := a.newFamily()
			res := a.do(bindingRequest(f, "500.00"))
			res.expect(t, 201, "")
			var b bindingBody
			res.json(t, &b)
			if rows := a.pairStarts(f); len(rows) != 1 || !rows[b.ID] {
				t.Fatalf("rows %v, want only %s, its start confirmed", rows, b.ID)
			}
			if n := workflowRuns(t, b.ID); n != 1 {
				t.Fatalf("%d workflows for binding %s, want 1", n, b.ID)
			}
			// The binding works: its workflow takes the upload.
			a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
			a.do(request{method: "POST", path: "/v1/bindings/" + b.ID + "/submit", token: f.holderToken}).expect(t, 200, "")
		})
	}
}

// A start never answered within the request leaves the request stored and
// unconfirmed (503), whether or not the workflow was started; the holder's
// next request completes it, and no second binding is made.
func TestPostBinding_StartNeverAnswered_RequestIsKeptAndCompletedByTheRetry(t *testing.T) {
	tests := []struct {
		name        string
		script      []startOutcome
		wantStarted int
	}{
		{"started, every answer lost", []startOutcome{startLostAnswer, startTimesOutFirst}, 1},
		{"never started", []startOutcome{startTimesOutFirst}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newTestAPI(t)
			down := withStarts(t, tt.script...)
			f := up.newFamily()
			down.do(bindingRequest(f, "500.00")).expect(t, 503, domain.CodeUnavailable)
			rows := up.pairStarts(f)
			if len(rows) != 1 {
				t.Fatalf("rows %v after an unanswered start, want the one request kept", rows)
			}
			var id string
			for id = range rows {
			}
			if rows[id] {
				t.Fatalf("binding %s is confirmed started after an unanswered start", id)
			}
			if n := workflowRuns(t, id); n != tt.wantStarted {
				t.Fatalf("%d workflows after the unanswered start, want %d", n, tt.wantStarted)
			}

			// Sent again once Temporal answers: the same binding, started.
			res := up.do(bindingRequest(f, "500.00"))
			res.expect(t, 201, "")
			var b bindingBody
			res.json(t, &b)
			if b.ID != id {
				t.Fatalf("the retry answered binding %s, want the kept request %s", b.ID, id)
			}
			if rows := up.pairStarts(f); len(rows) != 1 || !rows[id] {
				t.Fatalf("rows %v after the retry, want only %s, confirmed", rows, id)
			}
			if n := workflowRuns(t, id); n != 1 {
				t.Fatalf("%d workflows after the retry, want 1", n)
			}
			// Another request for the same member finds it exists.
			up.do(bindingRequest(f, "800.00")).expect(t, 409, domain.CodeBindingExists)
		})
	}
}

// A request for another binding of the pair completes the kept one too,
// and is BINDING_EXISTS.
func TestPostBinding_OtherRequestAfterAnUnansweredStart_CompletesItAndIsBindingExists(t *testing.T) {
	up := newTestAPI(t)
	f := up.newFamily()
	withStarts(t, startTimesOutFirst).do(bindingRequest(f, "500.00")).expect(t, 503, domain.CodeUnavailable)
	up.do(bindingRequest(f, "800.00")).expect(t, 409, domain.CodeBindingExists)
	rows := up.pairStarts(f)
	for id, started := range rows {
		if !started || workflowRuns(t, id) != 1 {
			t.Fatalf("binding %s: confirmed %v, %d workflows; want both", id, started, workflowRuns(t, id))
		}
	}
	if len(rows) != 1 {
		t.Fatalf("rows %v, want one", rows)
	}
}

// A start refused for certain leaves nothing: no row, no workflow.
func TestPostBinding_StartRefused_LeavesNothing(t *testing.T) {
	up := newTestAPI(t)
	f := up.newFamily()
	withStarts(t, startRefused).do(bindingRequest(f, "500.00")).expect(t, 503, domain.CodeUnavailable)
	if rows := up.pairStarts(f); len(rows) != 0 {
		t.Fatalf("rows %v kept after a refused start", rows)
	}
	up.do(bindingRequest(f, "500.00")).expect(t, 201, "")
}
