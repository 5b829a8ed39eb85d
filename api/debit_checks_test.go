package api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/activities"
	"gongji/domain"
	"gongji/worker"
	"gongji/workflows"
)

// heldSignals is the real Temporal client except that it keeps the
// signals it is given instead of sending them: the binding workflow has
// not caught up yet (or never will). deliver sends them.
type heldSignals struct {
	Temporal
	mu   sync.Mutex
	held []heldSignal
}

type heldSignal struct {
	workflowID, name string
	arg              any
}

func (h *heldSignals) SignalWorkflow(_ context.Context, workflowID, _, name string, arg any) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held = append(h.held, heldSignal{workflowID, name, arg})
	return nil
}

func (h *heldSignals) deliver(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.held {
		if err := testTemporal.Client().SignalWorkflow(context.Background(), s.workflowID, "", s.name, s.arg); err != nil {
			t.Fatalf("signal %s: %v", s.workflowID, err)
		}
	}
	h.held = nil
}

// holderEvent is a fact recorded about a holder that stops their account
// paying from that moment: the sync call, the code a debit refuses with,
// and the reason the binding ends with.
type holderEvent struct {
	name   string
	record func(a *testAPI, holder domain.IDNumber)
	code   domain.Code
	reason string
}

var holderEvents = []holderEvent{
	{"holder died", func(a *testAPI, h domain.IDNumber) {
		a.do(request{method: "POST", path: "/v1/persons/" + string(h) + "/death", token: a.admin(),
			body: map[string]any{"date": settleDay.String()}}).expect(a.t, 200, "")
	}, domain.CodeHolderDeceased, "holder died on " + settleDay.String()},
	{"holder moved out of Bortala", func(a *testAPI, h domain.IDNumber) {
		a.do(request{method: "PUT", path: "/v1/persons/" + string(h) + "/enrolment", token: a.admin(),
			body: map[string]any{"insutype": "310", "admdvs": "650102", "status": "normal", "arrears": false}}).expect(a.t, 200, "")
	}, domain.CodeHolderNotInPrefecture, "holder now insured outside Bortala (650102)"},
}

// terminateFromOutside ends a binding's workflow as an operator would,
// leaving its row as it was.
func terminateFromOutside(t *testing.T, bindingID string) {
	t.Helper()
	if err := testTemporal.Client().TerminateWorkflow(context.Background(), workflows.BindingWorkflowID(bindingID), "", "operator"); err != nil {
		t.Fatal(err)
	}
}

// settleAtOnce settles a 300.00 visit of the patient on settleDay right
// after the event and checks that the shared account paid nothing, and
// says how: refused (422 NO_ACTIVE_BINDING, nothing written) when the
// binding row had already ended; otherwise settled with the fund paying
// 100.00 and the counter collecting the 200.00 the account would have
// paid. Either way the holder's balance and the binding's ledger are
// untouched.
func (a *testAPI) settleAtOnce(inst institution, f family, bindingID string) (s settlementBody, refused bool) {
	a.t.Helper()
	body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00"))
	res := a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
	switch {
	case res.status == 422 && res.errorCode() == domain.CodeNoActiveBinding:
		refused = true
		a.nothingWritten(f.beneficiary, body["visit_no"].(string))
	case res.status == 200 || res.status == 202:
		s = decodeSettlement(a.t, res)
		if s.Status != "awaiting_topup" {
			s = a.waitSettlement(inst, s.ID, "awaiting_topup")
		}
		if s.FundPay != "100.00" || s.FamilyAccountPay != "0.00" || s.TopupDue != "200.00" || len(s.Payers) != 0 {
			a.t.Fatalf("awaiting: %s, payers %+v", s.amounts(), s.Payers)
		}
		res := a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "200.00"})
		res.expect(a.t, 200, "")
		s = decodeSettlement(a.t, res)
		if s.Status != "completed" || s.FamilyAccountPay != "0.00" || s.TopupPay != "200.00" || len(s.Payers) != 0 {
			a.t.Fatalf("completed: %s %s payers %+v", s.Status, s.amounts(), s.Payers)
		}
	default:
		a.t.Fatalf("POST /v1/settlements: %d %s", res.status, res.body)
	}
	if got := a.balance(f.holder); got != "1000.00" {
		a.t.Fatalf("holder balance %s, want 1000.00", got)
	}
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE binding_id = $1`, bindingID); n != 0 {
		a.t.Fatalf("%d ledger entries of the binding", n)
	}
	return s, refused
}

// skippedAtOnce settles at once (settleAtOnce) while the binding row is
// still active and checks that the settlement skipped it as a payer with
// the code.
func (a *testAPI) skippedAtOnce(inst institution, f family, bindingID string, code domain.Code) {
	a.t.Helper()
	s, refused := a.settleAtOnce(inst, f, bindingID)
	if refused {
		a.t.Fatal("refused NO_ACTIVE_BINDING: the binding row had ended")
	}
	a.skippedWith(s, bindingID, code)
}

// skippedWith fails the test unless the settlement skipped the binding as
// a payer with the code.
func (a *testAPI) skippedWith(s settlementBody, bindingID string, code domain.Code) {
	a.t.Helper()
	for _, st := range s.Steps {
		if st.Step == "shared_account" && st.Outcome == "skipped" && st.Detail == "binding "+bindingID+": "+string(code) {
			return
		}
	}
	a.t.Fatalf("no step skipping %s with %s: %+v", bindingID, code, s.Steps)
}

// endedWith waits until the binding is terminated and checks its last
// history entry: who ended it and why.
func (a *testAPI) endedWith(f family, bindingID, by, reason string) {
	a.t.Helper()
	var b bindingBody
	a.eventually("binding "+bindingID+" terminated", func() bool {
		b = a.getBinding(f.holderToken, bindingID)
		return b.Status == "terminated"
	})
	last := b.History[len(b.History)-1]
	if last.Event != "terminated" || last.By != by || last.Reason != reason {
		a.t.Fatalf("last history entry %+v, want terminated by %s: %s", last, by, reason)
	}
}

// runRepair runs the BindingRepair workflow on the test worker over the
// rows unchanged for half an hour and returns what it closed.
func runRepair(t *testing.T) domain.RepairResult {
	t.Helper()
	ctx := context.Background()
	run, err := testTemporal.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: "test-binding-repair-" + time.Now().Format("150405.000000000"), TaskQueue: testTaskQueue,
	}, workflows.BindingRepair, workflows.BindingRepairInput{Idle: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var out domain.RepairResult
	if err := run.Get(ctx, &out); err != nil {
		t.Fatalf("repair: %v", err)
	}
	return out
}

// A death, or a move of the holder out of Bortala, stops the shared account
// at once: a visit settled right after it takes nothing from the account,
// whether the binding workflow has not acted on it yet, has been
// terminated by an operator, or is running and told. The binding row ends
// terminated with who and why in its history in every case: by the
// workflow, by the termination path when the workflow is gone, or by the
// repair when nobody told it.
func TestSettle_HolderDiedOrMovedOut_AccountPaysNothingAtOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	for _, ev := range holderEvents {
		t.Run(ev.name+", workflow running, not caught up yet", func(t *testing.T) {
			a := a.in(t)
			held := &heldSignals{Temporal: testTemporal.Client()}
			late := newTestAPIWith(t, func(d *Deps) { d.Temporal = held })
			late.t = t
			f, b := a.boundFamily("1000.00", nil)
			ev.record(late, f.holder)

			if got := a.getBinding(f.holderToken, b.ID); got.Status != "active" {
				t.Fatalf("binding %s before the workflow acted", got.Status)
			}
			a.skippedAtOnce(inst, f, b.ID, ev.code)

			held.deliver(t)
			a.endedWith(f, b.ID, "admin:admin01", ev.reason)
		})
		t.Run(ev.name+", workflow running", func(t *testing.T) {
			a := a.in(t)
			f, b := a.boundFamily("1000.00", nil)
			ev.record(a, f.holder)
			// The workflow may have ended the binding before the settlement
			// came (refused: no active binding), or before it looked for
			// payers (no payer), or not (skipped with the code).
			if s, refused := a.settleAtOnce(inst, f, b.ID); !refused && s.hasStep("shared_account", "skipped") > 0 {
				a.skippedWith(s, b.ID, ev.code)
			}
			a.endedWith(f, b.ID, "admin:admin01", ev.reason)
		})
		t.Run(ev.name+", workflow terminated by an operator", func(t *testing.T) {
			a := a.in(t)
			f, b := a.boundFamily("1000.00", nil)
			terminateFromOutside(t, b.ID)
			ev.record(a, f.holder)

			// The signal found no workflow: the termination path closed the row.
			a.endedWith(f, b.ID, "admin:admin01", ev.reason+" ("+activities.NoWorkflowReason+")")
			if _, refused := a.settleAtOnce(inst, f, b.ID); !refused {
				t.Fatal("settled with a terminated binding instead of refusing")
			}
		})
		t.Run(ev.name+", workflow terminated by an operator, nobody told", func(t *testing.T) {
			a := a.in(t)
			held := &heldSignals{Temporal: testTemporal.Client()}
			lost := newTestAPIWith(t, func(d *Deps) { d.Temporal = held })
			lost.t = t
			f, b := a.boundFamily("1000.00", nil)
			terminateFromOutside(t, b.ID)
			ev.record(lost, f.holder)

			a.skippedAtOnce(inst, f, b.ID, ev.code)

			// The repair finds the row (unchanged for an hour, say) and closes it.
			if _, err := a.store.DB().ExecContext(context.Background(),
				`UPDATE bindings SET updated_at = now() - interval '1 hour' WHERE id = $1`, b.ID); err != nil {
				t.Fatal(err)
			}
			if got := runRepair(t); got.Closed < 1 {
				t.Fatalf("repair closed %d rows of %d", got.Closed, got.Checked)
			}
			a.endedWith(f, b.ID, activities.RepairActor, activities.NoWorkflowReason+": Terminated")
			if got := runRepair(t); got.Closed != 0 {
				t.Fatalf("a second repair closed %d rows", got.Closed)
			}
		})
	}
}

// deathAtStart is the real Temporal client except that it records the
// holder's death just before a premium payment's workflow starts: after
// the API checked the holder, before the debit.
type deathAtStart struct {
	Temporal
	a      *testAPI
	holder domain.IDNumber
}

func (d deathAtStart) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	if strings.HasPrefix(o.ID, workflows.PremiumWorkflowID("")) {
		if _, err := d.a.store.RecordDeath(ctx, d.holder, settleDay); err != nil {
			return nil, err
		}
	}
	return d.Temporal.ExecuteWorkflow(ctx, o, wf, args...)
}

// A premium payment after the holder's death takes nothing: refused by the
// API when the death is known, reversed with HOLDER_DECEASED when the
// death is recorded after the API's check and before the debit.
func TestPremiumPayment_AfterTheHoldersDeath_TakesNothing(t *testing.T) {
	a := newPremiumAPI(t)
	t.Run("death known, workflow not caught up", func(t *testing.T) {
		a := a.in(t)
		held := &heldSignals{Temporal: testTemporal.Client()}
		late := newTestAPIWith(t, func(d *Deps) { d.Temporal = held })
		late.t = t
		f, b := a.boundFamily("1000.00", nil)
		holderEvents[0].record(late, f.holder)
		a.postPremium(f.holderToken, premiumBody(f.beneficiary, 2027, "400.00")).expect(t, 422, domain.CodeHolderDeceased)
		if got := a.balance(f.holder); got != "1000.00" {
			t.Fatalf("holder balance %s", got)
		}
		if n := a.count(`SELECT count(*) FROM ledger_entries WHERE binding_id = $1`, b.ID); n != 0 {
			t.Fatalf("%d ledger entries", n)
		}
		held.deliver(t)
	})
	t.Run("death recorded between the API's check and the debit", func(t *testing.T) {
		a := a.in(t)
		f, b := a.boundFamily("1000.00", nil)
		racing := newTestAPIWith(t, func(d *Deps) { d.Temporal = deathAtStart{Temporal: d.Temporal, a: a, holder: f.holder} })
		racing.t = t
		p := racing.payPremium(f.holderToken, premiumBody(f.beneficiary, 2027, "400.00"), "reversed")
		if p.Refusal == nil || p.Refusal.Code != string(domain.CodeHolderDeceased) {
			t.Fatalf("refusal %+v, want %s", p.Refusal, domain.CodeHolderDeceased)
		}
		if got := a.balance(f.holder); got != "1000.00" {
			t.Fatalf("holder balance %s", got)
		}
		if es := a.premiumEntries(p.ID); len(es) != 0 {
			t.Fatalf("ledger entries %+v", es)
		}
		if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "0.00" {
			t.Fatalf("used_this_year %s", got.UsedThisYear)
		}
	})
}

// The worker creates the repair's schedule at start; creating it again
// (another worker, a restart) is no error and leaves one schedule.
func TestBindingRepairSchedule_CreatedOnce(t *testing.T) {
	ctx := context.Background()
	c := testTemporal.Client()
	for range 2 {
		if err := worker.EnsureBindingRepairSchedule(ctx, c, testTaskQueue); err != nil {
			t.Fatal(err)
		}
	}
	h := c.ScheduleClient().GetHandle(ctx, workflows.BindingRepairScheduleID)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	d, err := h.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	action, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || action.TaskQueue != testTaskQueue || len(d.Schedule.Spec.Intervals) != 1 || d.Schedule.Spec.Intervals[0].Every != 15*time.Minute {
		t.Fatalf("schedule action %+v, spec %+v", d.Schedule.Action, d.Schedule.Spec)
	}
}
