package activities

import (
	"context"
	"slices"
	"testing"

	"gongji/db"
	"gongji/domain"
)

// fakePremiumStore records the payments debited and refuses when told.
type fakePremiumStore struct {
	premiumStore // unused methods panic
	debited      []string
	refuse       error
}

func (f *fakePremiumStore) DebitPremium(_ context.Context, paymentID string) (db.Entry, error) {
	if f.refuse != nil {
		return db.Entry{}, f.refuse
	}
	f.debited = append(f.debited, paymentID)
	return db.Entry{}, nil
}

func TestPremiums_DebitPremiumDebitsThePaymentAndRefusalsAreNonRetryable(t *testing.T) {
	store := &fakePremiumStore{}
	a := &Premiums{Store: store}
	if err := runActivity(t, a, a.DebitPremium, domain.PremiumRef{PaymentID: "p1"}); err != nil {
		t.Fatalf("DebitPremium: %v", err)
	}
	if want := []string{"p1"}; !slices.Equal(store.debited, want) {
		t.Fatalf("debited %v, want %v", store.debited, want)
	}
	store.refuse = domain.Errorf(domain.CodeInsufficientBalance, "the balance is 10.00")
	requireRefusal(t, runActivity(t, a, a.DebitPremium, domain.PremiumRef{PaymentID: "p2"}), string(domain.CodeInsufficientBalance))
	if want := []string{"p1"}; !slices.Equal(store.debited, want) {
		t.Fatalf("debited %v after a refusal, want %v", store.debited, want)
	}
}
