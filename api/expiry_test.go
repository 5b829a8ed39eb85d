package api

import (
	"context"
	"slices"
	"testing"
	"time"

	"gongji/domain"
)

// laterAPI is the API over the same database on a clock days after the
// run's: what the API shows once a validity has passed, whatever the
// binding workflows' timers (on the Temporal server's clock) have done.
func laterAPI(t *testing.T, days int) *testAPI {
	t.Helper()
	return newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return testNow.AddDate(0, 0, days) } })
}

// reviewsWith pages through GET /v1/reviews?status= and returns the ids;
// every item must read status.
func (a *testAPI) reviewsWith(status string) []string {
	a.t.Helper()
	var out []string
	path := "/v1/reviews?limit=100&status=" + status
	for i := 0; i < 1000; i++ {
		res := a.do(request{method: "GET", path: path, token: a.reviewer()})
		res.expect(a.t, 200, "")
		var p bindingPage
		res.json(a.t, &p)
		for _, b := range p.Items {
			if b.Status != status {
				a.t.Fatalf("GET /v1/reviews?status=%s holds %s in status %s", status, b.ID, b.Status)
			}
			out = append(out, b.ID)
		}
		if p.NextCursor == nil {
			return out
		}
		path = "/v1/reviews?limit=100&status=" + status + "&cursor=" + *p.NextCursor
	}
	a.t.Fatal("the review queue does not end")
	return nil
}

// listIDs is the ids of one page of GET /v1/bindings with the query, each
// item checked to read status.
func (a *testAPI) listIDs(token, query, status string) []string {
	a.t.Helper()
	p := a.listBindings(token, query)
	for _, b := range p.Items {
		if b.Status != status {
			a.t.Fatalf("GET /v1/bindings%s holds %s in status %s", query, b.ID, b.Status)
		}
	}
	return ids(p.Items)
}

// A binding whose last valid day was yesterday on the API's clock is
// expired for every read, for a change of terms and for the money, though
// its workflow's timer (on the Temporal server's clock, days behind) has
// not fired.
func TestExpiry_PastValidUntilOnTheAPIsClock_ReadsExpiredRefusesPatchAndDoesNotPay(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	until := settleDay.AddDays(2)
	// The father's binding, valid until two days on, is the older: the
	// child's first payer. The mother's is long-term.
	father := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	mother := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	child := a.syncInsured("390", "652722", "normal", false, "", "")
	first, second := sameDayAPIs(t)
	fathers := first.activeBinding(family{holder: father, beneficiary: child, holderToken: first.token(domain.RoleInsured, string(father))},
		map[string]any{"valid_until": until.String()})
	mothers := second.activeBinding(family{holder: mother, beneficiary: child, holderToken: second.token(domain.RoleInsured, string(mother))}, nil)
	f := family{holder: father, beneficiary: child,
		holderToken: a.token(domain.RoleInsured, string(father)), beneficiaryToken: a.token(domain.RoleInsured, string(child))}

	// On the run's clock the binding is active; three days on, its last
	// valid day (until) was yesterday.
	if got := a.getBinding(f.holderToken, fathers.ID).Status; got != "active" {
		t.Fatalf("on %s the binding valid until %s is %s, want active", settleDay, until, got)
	}
	later := laterAPI(t, 3)
	today := domain.DateOf(testNow.AddDate(0, 0, 3))
	// The same people and hospital, with tokens of the later clock.
	lf := family{holder: f.holder, beneficiary: f.beneficiary,
		holderToken: later.token(domain.RoleInsured, string(f.holder)), beneficiaryToken: later.token(domain.RoleInsured, string(f.beneficiary))}
	laterInst := inst
	laterInst.token = later.token(domain.RoleInstitution, inst.code)
	if today.AddDays(-1) != until {
		t.Fatalf("the later clock's yesterday is %s, want %s", today.AddDays(-1), until)
	}

	t.Run("every read shows expired", func(t *testing.T) {
		l := later.in(t)
		for _, tok := range []string{lf.holderToken, lf.beneficiaryToken, l.reviewer(), l.admin()} {
			if got := l.getBinding(tok, fathers.ID); got.Status != "expired" {
				t.Errorf("GET /v1/bindings/%s reads %s, want expired", fathers.ID, got.Status)
			}
		}
		for _, tt := range []struct {
			token, as string
		}{{lf.holderToken, "holder"}, {lf.beneficiaryToken, "beneficiary"}} {
			if got := l.listIDs(tt.token, "?as="+tt.as+"&status=expired", "expired"); !slices.Contains(got, fathers.ID) {
				t.Errorf("?as=%s&status=expired lists %v, without %s", tt.as, got, fathers.ID)
			}
			if got := l.listIDs(tt.token, "?as="+tt.as+"&status=active", "active"); slices.Contains(got, fathers.ID) {
				t.Errorf("?as=%s&status=active lists %v, with the expired %s", tt.as, got, fathers.ID)
			}
			all := l.listBindings(tt.token, "?as="+tt.as)
			for _, b := range all.Items {
				if b.ID == fathers.ID && b.Status != "expired" {
					t.Errorf("?as=%s lists %s as %s, want expired", tt.as, b.ID, b.Status)
				}
			}
		}
		if got := l.listIDs(lf.beneficiaryToken, "?as=beneficiary&status=active", "active"); !slices.Equal(got, []string{mothers.ID}) {
			t.Errorf("the child's active bindings %v, want only the mother's %s", got, mothers.ID)
		}
		if got := l.reviewsWith("expired"); !slices.Contains(got, fathers.ID) {
			t.Errorf("GET /v1/reviews?status=expired lacks %s", fathers.ID)
		}
		if got := l.reviewsWith("active"); slices.Contains(got, fathers.ID) {
			t.Errorf("GET /v1/reviews?status=active holds the expired %s", fathers.ID)
		}
		if got := l.mePriority(lf.beneficiaryToken); !slices.Equal(got, []string{mothers.ID}) {
			t.Errorf("the child's payer order %v, want only the mother's %s", got, mothers.ID)
		}
		// On the run's clock it is still the child's first payer.
		if got := a.in(t).mePriority(f.beneficiaryToken); !slices.Equal(got, []string{fathers.ID, mothers.ID}) {
			t.Errorf("on %s the child's payer order is %v, want [%s %s]", settleDay, got, fathers.ID, mothers.ID)
		}
	})

	t.Run("a change of terms is refused and changes nothing", func(t *testing.T) {
		l := later.in(t)
		_, historyBefore := l.pairRows(f.holder, f.beneficiary)
		for _, body := range []map[string]any{
			{"valid_until": today.AddDays(365).String()},
			{"valid_until": nil},
			{"annual_limit": "100.00"},
		} {
			res := l.patch(lf.holderToken, fathers.ID, body)
			res.expect(t, 409, domain.CodeBindingWrongState)
			var env struct {
				Error struct {
					Details map[string]any `json:"details"`
				} `json:"error"`
			}
			res.json(t, &env)
			if env.Error.Details["status"] != "expired" {
				t.Errorf("PATCH %v: details %v, want status expired", body, env.Error.Details)
			}
		}
		got := l.getBinding(lf.holderToken, fathers.ID)
		if got.Status != "expired" || strPtr(got.ValidUntil) != until.String() || got.AnnualLimit != nil {
			t.Errorf("after the refusals: %s, valid until %s, limit %s", got.Status, strPtr(got.ValidUntil), strPtr(got.AnnualLimit))
		}
		if _, history := l.pairRows(f.holder, f.beneficiary); history != historyBefore {
			t.Errorf("history %d → %d entries for refused changes", historyBefore, history)
		}
	})

	t.Run("the expired binding does not pay", func(t *testing.T) {
		l := later.in(t)
		body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "120.00"))
		body["service_date"] = today.String()
		s := l.settle(laterInst, body, "completed")
		if len(s.Payers) != 1 || s.Payers[0].BindingID != mothers.ID {
			t.Fatalf("payers %+v, want only the mother's binding %s (the father's, first in order, ended %s)", s.Payers, mothers.ID, until)
		}
		if got := l.balance(f.holder); got != "1000.00" {
			t.Errorf("the father's balance %s, want 1000.00 untouched", got)
		}
		if n := l.count(`SELECT count(*) FROM ledger_entries WHERE binding_id = $1`, fathers.ID); n != 0 {
			t.Errorf("%d ledger entries on the expired binding", n)
		}
		payers, err := l.store.ActiveBindingsFor(context.Background(), f.beneficiary, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(payers) != 1 || payers[0].BindingID != mothers.ID {
			t.Errorf("ActiveBindingsFor on %s: %+v, want only %s", today, payers, mothers.ID)
		}
		if payers, err := l.store.ActiveBindingsFor(context.Background(), f.beneficiary, until); err != nil || len(payers) != 2 {
			t.Errorf("ActiveBindingsFor on the last valid day %s: %+v, %v; want both bindings", until, payers, err)
		}
	})
}
