package activities

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"gongji/db"
	"gongji/domain"
	"gongji/internal/testclock"
)

// step is one settlement step a fake store recorded.
type step struct{ settlementID, key, step, outcome, detail string }

// fakeSettlementStore answers PayersFor from a list and records steps and
// debits in memory.
type fakeSettlementStore struct {
	settlementStore // unused methods panic
	candidates      []db.PayerCandidate
	steps           []step
	debits          []domain.SharedAccountDebit
	refuseDebit     error
}

func (f *fakeSettlementStore) PayersFor(context.Context, string, domain.IDNumber, domain.Date) ([]db.PayerCandidate, error) {
	return f.candidates, nil
}

func (f *fakeSettlementStore) AddStep(_ context.Context, settlementID, key, s, outcome, detail string, _ *domain.Amount, _ time.Time) error {
	f.steps = append(f.steps, step{settlementID, key, s, outcome, detail})
	return nil
}

func (f *fakeSettlementStore) DebitSharedAccount(_ context.Context, d domain.SharedAccountDebit) (domain.Amount, error) {
	if f.refuseDebit != nil {
		return domain.Zero, f.refuseDebit
	}
	f.debits = append(f.debits, d)
	return d.Owed, nil
}

func TestSettlements_FindPayersSkipsWhoCannotPayAndRecordsTheSkip(t *testing.T) {
	store := &fakeSettlementStore{candidates: []db.PayerCandidate{
		{BindingID: "paid", Holder: "h1", Paid: true}, // listed whatever it reads now
		{BindingID: "lapsed", Holder: "h2"},           // no active binding on the day
	}}
	a := &Settlements{Store: store}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	q := domain.PayersQuery{SettlementID: "s1", Patient: "child", ServiceDate: domain.DateOf(testclock.Now())}
	v, err := env.ExecuteActivity(a.FindPayers, q)
	if err != nil {
		t.Fatalf("FindPayers: %v", err)
	}
	var payers []domain.Payer
	if err := v.Get(&payers); err != nil {
		t.Fatal(err)
	}
	if want := []domain.Payer{{BindingID: "paid", Holder: "h1"}}; !slices.Equal(payers, want) {
		t.Fatalf("payers %+v, want %+v", payers, want)
	}
	want := []step{{"s1", db.SkipStepKey("s1", "lapsed"), "shared_account", "skipped", "binding lapsed: " + string(domain.CodeNoActiveBinding)}}
	if !slices.Equal(store.steps, want) {
		t.Fatalf("steps %+v, want %+v", store.steps, want)
	}
}

func TestSettlements_DebitSharedAccountPassesTheDebitThroughAndRefusalsAreNonRetryable(t *testing.T) {
	store := &fakeSettlementStore{}
	a := &Settlements{Store: store}
	d := domain.SharedAccountDebit{
		SettlementID: "s1", BindingID: "b1", Patient: "child", Institution: "H1",
		Owed: domain.MustAmount("12.34"), Position: 2, At: testclock.Now(), Year: testclock.Now().Year(),
	}
	if err := runActivity(t, a, a.DebitSharedAccount, d); err != nil {
		t.Fatalf("DebitSharedAccount: %v", err)
	}
	if len(store.debits) != 1 || store.debits[0].Owed.String() != d.Owed.String() || store.debits[0].Position != d.Position ||
		store.debits[0].BindingID != d.BindingID || store.debits[0].Year != d.Year || !store.debits[0].At.Equal(d.At) {
		t.Fatalf("the store got %+v, want %+v", store.debits, d)
	}
	store.refuseDebit = domain.Errorf(domain.CodeHolderAccountFrozen, "the holder's account is frozen")
	requireRefusal(t, runActivity(t, a, a.DebitSharedAccount, d), string(domain.CodeHolderAccountFrozen))
}
