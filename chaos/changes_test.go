package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/workflows"
)

// changeKind is what happens to a holder mid-stream, as the core system
// syncs it.
type changeKind int

const (
	changeDeath      changeKind = iota // POST /v1/persons/{id}/death
	changeMoved                        // insured in 650102 (Ürümqi) from now on
	changeSuspended                    // enrolment suspended
	changeTerminated                   // enrolment terminated
	// changeDeathOrphaned: an operator first terminates the holder's
	// binding workflows, so the death's signal finds none.
	changeDeathOrphaned
	changeKindCount
)

var changeNames = [changeKindCount]string{"death", "moved out of Bortala (650102)", "insurance suspended",
	"insurance terminated", "death, binding workflows terminated by an operator first"}

// contribution is credited to a holder just before the change, so that
// the account has money to take when it must not.
const contribution = "2000.00"

// holderChange is one change the run records for a holder.
type holderChange struct {
	holder domain.IDNumber
	kind   changeKind
	// bindings are the holder's bindings (for changeDeathOrphaned).
	bindings []string
	// after is how many visits have started when it is recorded.
	after int
}

// planChanges picks n holders who pay for someone, each changed once, the
// kinds in turn from a random start, at moments between a fifth and
// seven tenths of the stream, so that settlements for their children run
// before, during and after the change. Holders with a binding without a
// yearly limit go first: their accounts can still pay when they must not.
func planChanges(rng *rand.Rand, pop population, n, visits int) []holderChange {
	bindingsOf := map[domain.IDNumber][]string{}
	unlimited := map[domain.IDNumber]bool{}
	var holders []domain.IDNumber
	for _, pt := range pop.patients {
		for _, py := range pt.payers {
			if bindingsOf[py.holder] == nil {
				holders = append(holders, py.holder)
			}
			bindingsOf[py.holder] = append(bindingsOf[py.holder], py.bindingID)
			unlimited[py.holder] = unlimited[py.holder] || !py.limited
		}
	}
	rng.Shuffle(len(holders), func(i, j int) { holders[i], holders[j] = holders[j], holders[i] })
	slices.SortStableFunc(holders, func(a, b domain.IDNumber) int {
		switch {
		case unlimited[a] == unlimited[b]:
			return 0
		case unlimited[a]:
			return -1
		}
		return 1
	})
	first := rng.IntN(int(changeKindCount))
	out := make([]holderChange, 0, n)
	for i, h := range holders[:min(n, len(holders))] {
		out = append(out, holderChange{holder: h, kind: changeKind((first + i) % int(changeKindCount)), bindings: bindingsOf[h],
			after: visits/5 + rng.IntN(visits/2+1)})
	}
	return out
}

// alignPremiums sends the first planned premium payment of each changed
// holder at the moment of the change, so that its saga runs across it.
func alignPremiums(changes []holderChange, premiums []premiumPlan) {
	for _, ch := range changes {
		for i := range premiums {
			if premiums[i].holder == ch.holder {
				premiums[i].after = ch.after
				break
			}
		}
	}
}

// changeResult is a recorded change: when the sync call was answered.
type changeResult struct {
	change holderChange
	// at is the instant the change was answered, so recorded: no debit of
	// the holder may begin after it.
	at time.Time
	// sent is when the sync call was first sent.
	sent time.Time
	// sinceStart is at, from the start of the stream.
	sinceStart time.Duration
	// startedBefore is how many visits had started when it was recorded.
	startedBefore int64
	err           error
}

// changer records the planned changes through the admin sync API.
type changer struct {
	c        *apiClient
	admin    string
	temporal client.Client
	// day is the service date of the run's settlements, the date of death.
	day domain.Date
}

// run records each change in order, waiting for its turn in the stream.
func (ch changer) run(ctx context.Context, changes []holderChange, started *atomic.Int64) []changeResult {
	begin := time.Now()
	out := make([]changeResult, len(changes))
	for _, i := range sortedByAfter(changes) {
		hc := changes[i]
		for started.Load() < int64(hc.after) && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		r := changeResult{change: hc, startedBefore: started.Load(), sent: time.Now()}
		r.err = ch.record(ctx, hc)
		r.at = time.Now()
		r.sinceStart = r.at.Sub(begin)
		out[i] = r
	}
	return out
}

// sortedByAfter returns the indexes of changes in the order they fire.
func sortedByAfter(changes []holderChange) []int {
	order := make([]int, len(changes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return changes[a].after - changes[b].after })
	return order
}

// record credits the contribution, then syncs the change.
func (ch changer) record(ctx context.Context, hc holderChange) error {
	id := string(hc.holder)
	if _, err := ch.c.expect(ctx, "POST", "/v1/persons/"+id+"/account/entries", ch.admin,
		map[string]any{"amount": contribution, "kind": "contribution", "reference": "chaos-" + id}, 201); err != nil {
		return err
	}
	enrolment := func(admdvs, status string) error {
		_, err := ch.c.expect(ctx, "PUT", "/v1/persons/"+id+"/enrolment", ch.admin,
			map[string]any{"insutype": "310", "admdvs": admdvs, "status": status, "arrears": false}, 200)
		return err
	}
	switch hc.kind {
	case changeMoved:
		return enrolment("650102", "normal")
	case changeSuspended:
		return enrolment("652701", "suspended")
	case changeTerminated:
		return enrolment("652701", "terminated")
	case changeDeathOrphaned:
		for _, b := range hc.bindings {
			if err := ch.terminateWorkflow(ctx, workflows.BindingWorkflowID(b)); err != nil {
				return err
			}
		}
	}
	_, err := ch.c.expect(ctx, "POST", "/v1/persons/"+id+"/death", ch.admin, map[string]any{"date": ch.day.String()}, 200)
	return err
}

// terminateWorkflow ends a workflow as an operator would, trying again
// while Temporal is away.
func (ch changer) terminateWorkflow(ctx context.Context, id string) error {
	for {
		err := ch.temporal.TerminateWorkflow(ctx, id, "", "chaos: terminated by an operator")
		var gone *serviceerror.NotFound
		if err == nil || errors.As(err, &gone) {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("terminate %s: %w", id, err)
		}
		time.Sleep(time.Second)
	}
}

// endsBindings reports whether the change ends the holder's bindings: all
// but a suspension, which may be lifted.
func (k changeKind) endsBindings() bool { return k != changeSuspended }

// unboundSince maps each patient all of whose holders had a change that
// ends their bindings to when the last of those changes was sent: from
// then on, a settlement may be refused NO_ACTIVE_BINDING.
func unboundSince(pop population, changes []changeResult) map[domain.IDNumber]time.Time {
	sent := map[domain.IDNumber]time.Time{}
	for _, c := range changes {
		if c.change.kind.endsBindings() && !c.sent.IsZero() {
			sent[c.change.holder] = c.sent
		}
	}
	out := map[domain.IDNumber]time.Time{}
	for _, pt := range pop.patients {
		var last time.Time
		for _, py := range pt.payers {
			t, ok := sent[py.holder]
			if !ok {
				last = time.Time{}
				break
			}
			if t.After(last) {
				last = t
			}
		}
		if !last.IsZero() {
			out[pt.id] = last
		}
	}
	return out
}

// lateDebit is a debit of a changed holder that began after the change.
type lateDebit struct {
	Kind      string        `db:"kind"`
	Reference string        `db:"reference"`
	Amount    domain.Amount `db:"amount"`
	At        time.Time     `db:"created_at"`
}

// debitsAfter lists the holder's settlement and premium debits whose
// transaction began after the change was answered: each read the
// changed holder and took money all the same.
func debitsAfter(ctx context.Context, conn *sqlx.DB, r changeResult) ([]lateDebit, error) {
	var out []lateDebit
	err := conn.SelectContext(ctx, &out, `SELECT kind, COALESCE(settlement_id, reference) AS reference, amount, created_at
		FROM ledger_entries WHERE account_id_number = $1 AND kind IN ('settlement_debit', 'premium_debit') AND created_at > $2
		ORDER BY id`, r.change.holder, r.at)
	return out, err
}

// checkChanges lists, per changed holder, the debits that began after the
// change was answered.
func checkChanges(t *testing.T, ctx context.Context, dbURL string, changes []changeResult) map[domain.IDNumber][]lateDebit {
	t.Helper()
	conn := dbtest.Open(t, dbURL)
	out := map[domain.IDNumber][]lateDebit{}
	for _, c := range changes {
		if c.at.IsZero() {
			continue
		}
		late, err := debitsAfter(ctx, conn, c)
		if err != nil {
			t.Fatal(err)
		}
		out[c.change.holder] = late
	}
	return out
}
