package api

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"gongji/domain"
)

// failingSignals is the real Temporal client, except that every signal
// fails as an unreachable frontend does. It counts the signals refused.
type failingSignals struct {
	Temporal
	refused atomic.Int32
}

func (f *failingSignals) SignalWorkflow(context.Context, string, string, string, any) error {
	f.refused.Add(1)
	return serviceerror.NewUnavailable("the frontend is down")
}

// historyLines lists a binding's history as "event by reason".
func historyLines(b bindingBody) []string {
	out := make([]string, len(b.History))
	for i, h := range b.History {
		out[i] = h.Event + " " + h.By + " " + h.Reason
	}
	return out
}

// A sync write whose termination signal cannot be delivered stands (200),
// and the binding's history says the termination is pending, written in
// the write's transaction. The same call once Temporal is back sends the
// signal again, and the history then says the binding was terminated,
// with one pending entry before it.
func TestSyncWrite_TerminationSignalFails_WriteStandsAndHistorySaysPending(t *testing.T) {
	today := domain.DateOf(testNow).String()
	tests := []struct {
		name   string
		write  func(f family) request
		reason string
	}{
		{"holder's death", func(f family) request {
			return request{method: "POST", path: "/v1/persons/" + string(f.holder) + "/death", body: map[string]any{"date": today}}
		}, "holder died on " + today},
		{"holder moves out of Bortala", func(f family) request {
			return request{method: "PUT", path: "/v1/persons/" + string(f.holder) + "/enrolment",
				body: map[string]any{"insutype": "310", "admdvs": "650102", "status": "normal", "arrears": false}}
		}, "holder now insured outside Bortala (650102)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newTestAPI(t)
			signals := &failingSignals{}
			down := newTestAPIWith(t, func(d *Deps) { signals.Temporal = d.Temporal; d.Temporal = signals })
			f := up.newFamily()
			b := up.approvedBinding(f, nil)
			before := len(up.getBinding(f.holderToken, b.ID).History)

			req := tt.write(f)
			req.token = up.admin()
			down.do(req).expect(t, 200, "")
			if signals.refused.Load() != 1 {
				t.Fatalf("%d signals sent, want 1", signals.refused.Load())
			}
			got := up.getBinding(f.holderToken, b.ID)
			want := "termination_pending admin:admin01 " + tt.reason
			if ev := historyLines(got); len(ev) != before+1 || ev[before] != want {
				t.Fatalf("history after the failed signal: %q, want %d entries ending with %q", ev, before+1, want)
			}
			// The workflow was never told: it has not ended the binding.
			time.Sleep(300 * time.Millisecond)
			if got := up.getBinding(f.holderToken, b.ID); got.Status != "active" {
				t.Fatalf("status %s without a signal", got.Status)
			}

			// The same call once Temporal answers completes it.
			up.do(req).expect(t, 200, "")
			up.eventually("the binding to be terminated", func() bool {
				got = up.getBinding(f.holderToken, b.ID)
				return got.Status == "terminated"
			})
			ev := historyLines(got)
			if len(ev) != before+2 || ev[before] != want || !strings.HasPrefix(ev[before+1], "terminated admin:admin01 "+tt.reason) {
				t.Fatalf("history: %q, want one pending entry, then terminated, for %q", ev, tt.reason)
			}
		})
	}
}

// With Temporal up, the history says the termination was pending, then
// done.
func TestSyncWrite_Death_HistorySaysPendingThenTerminated(t *testing.T) {
	a := newTestAPI(t)
	f := a.newFamily()
	b := a.approvedBinding(f, nil)
	before := len(a.getBinding(f.holderToken, b.ID).History)
	yesterday := domain.DateOf(testNow).AddDays(-1).String()
	a.post(a.admin(), "/v1/persons/"+string(f.beneficiary)+"/death", map[string]any{"date": yesterday}).expect(t, 200, "")
	var got bindingBody
	a.eventually("the binding to be terminated", func() bool {
		got = a.getBinding(f.holderToken, b.ID)
		return got.Status == "terminated"
	})
	reason := "beneficiary died on " + yesterday
	if ev := historyLines(got); len(ev) != before+2 || ev[before] != "termination_pending admin:admin01 "+reason || ev[before+1] != "terminated admin:admin01 "+reason {
		t.Fatalf("history: %q", ev)
	}
}

// A sync write refused inside its transaction records no pending
// termination: the pending entry is written with the write or not at all.
func TestSyncWrite_RefusedDeath_RecordsNoPendingTermination(t *testing.T) {
	up := newTestAPI(t)
	down := newTestAPIWith(t, func(d *Deps) { d.Temporal = &failingSignals{Temporal: d.Temporal} })
	f := up.newFamily()
	b := up.approvedBinding(f, nil)
	yesterday, earlier := domain.DateOf(testNow).AddDays(-1).String(), domain.DateOf(testNow).AddDays(-2).String()
	down.post(up.admin(), "/v1/persons/"+string(f.holder)+"/death", map[string]any{"date": yesterday}).expect(t, 200, "")
	down.post(up.admin(), "/v1/persons/"+string(f.holder)+"/death", map[string]any{"date": earlier}).expect(t, 409, domain.CodePersonDeceased)
	var pending []string
	for _, line := range historyLines(up.getBinding(f.holderToken, b.ID)) {
		if strings.HasPrefix(line, "termination_pending") {
			pending = append(pending, line)
		}
	}
	if len(pending) != 1 || !strings.HasSuffix(pending[0], "holder died on "+yesterday) {
		t.Fatalf("pending entries %q, want only the recorded death's", pending)
	}
}
