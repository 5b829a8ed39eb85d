package external_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/google/uuid"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/external"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

func newCards(t *testing.T) (external.CardSimulator, *db.Store) {
	t.Helper()
	store := db.NewStore(dbtest.Open(t, testURL))
	return external.CardSimulator{Store: store}, store
}

// newKey is a charge key no other test run uses.
func newKey() string { return uuid.NewString() + ":charge:1" }

// chargeStatus is the gateway's record of key, "" when it has none.
func chargeStatus(t *testing.T, s *db.Store, key string) string {
	t.Helper()
	var status []string
	if err := s.DB().SelectContext(context.Background(), &status, `SELECT status FROM card_charges WHERE charge_key = $1`, key); err != nil {
		t.Fatal(err)
	}
	if len(status) == 0 {
		return ""
	}
	return status[0]
}

// A reversal of a charge the gateway never received is a no-op for the
// card, recorded as a voided key; the charge request arriving late under
// that key is declined, never captured.
func TestCardSimulator_ReversalBeforeItsCharge_VoidsTheKeyAndTheLateChargeIsRefused(t *testing.T) {
	cards, store := newCards(t)
	ctx := context.Background()
	key := newKey()

	for range 2 {
		if err := cards.Reverse(ctx, key); err != nil {
			t.Fatalf("reversing an unknown key: %v", err)
		}
		if got := chargeStatus(t, store, key); got != "voided" {
			t.Fatalf("after reversing an unknown key the gateway holds %q, want voided", got)
		}
	}
	err := cards.Charge(ctx, key, "tok_visa", domain.MustAmount("30.00"))
	if domain.ErrorCode(err) != domain.CodeCardDeclined {
		t.Fatalf("a charge after its reversal: %v, want %s", err, domain.CodeCardDeclined)
	}
	if got := chargeStatus(t, store, key); got != "voided" {
		t.Fatalf("after the late charge the key is %q, want voided (never captured)", got)
	}
}

func TestCardSimulator_ReversalOfACapturedCharge_ReversesItOnce(t *testing.T) {
	cards, store := newCards(t)
	ctx := context.Background()
	key := newKey()
	if err := cards.Charge(ctx, key, "tok_visa", domain.MustAmount("30.00")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := cards.Reverse(ctx, key); err != nil {
			t.Fatal(err)
		}
		if got := chargeStatus(t, store, key); got != "reversed" {
			t.Fatalf("after reversing a captured charge the key is %q, want reversed", got)
		}
	}
	if err := cards.Charge(ctx, key, "tok_visa", domain.MustAmount("30.00")); domain.ErrorCode(err) != domain.CodeCardDeclined {
		t.Fatalf("a repeated charge of a reversed key: %v, want %s", err, domain.CodeCardDeclined)
	}
}

func TestCardSimulator_ReversalOfADeclinedCharge_LeavesItDeclined(t *testing.T) {
	cards, store := newCards(t)
	ctx := context.Background()
	key := newKey()
	if err := cards.Charge(ctx, key, "tok_decline", domain.MustAmount("30.00")); domain.ErrorCode(err) != domain.CodeCardDeclined {
		t.Fatalf("charge: %v", err)
	}
	if err := cards.Reverse(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := chargeStatus(t, store, key); got != "declined" {
		t.Fatalf("after reversing a declined charge the key is %q, want declined", got)
	}
}

// A charge and its reversal racing each other end with no money taken:
// either the charge was captured and then reversed (the charge may have
// answered either way), or the reversal voided the key and the charge was
// refused.
func TestCardSimulator_ChargeRacingItsReversal_NeverEndsCaptured(t *testing.T) {
	cards, store := newCards(t)
	ctx := context.Background()
	const races = 40
	run := uuid.NewString()
	var wg sync.WaitGroup
	chargeErrs := make([]error, races)
	for i := range races {
		key := fmt.Sprintf("%s:charge:%d", run, i)
		wg.Go(func() { chargeErrs[i] = cards.Charge(ctx, key, "tok_visa", domain.MustAmount("1.00")) })
		wg.Go(func() {
			if err := cards.Reverse(ctx, key); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range races {
		key := fmt.Sprintf("%s:charge:%d", run, i)
		switch got := chargeStatus(t, store, key); {
		case got == "reversed" && (chargeErrs[i] == nil || domain.ErrorCode(chargeErrs[i]) == domain.CodeCardDeclined):
		case got == "voided" && domain.ErrorCode(chargeErrs[i]) == domain.CodeCardDeclined:
		default:
			t.Errorf("%s ended %q with the charge answering %v", key, got, chargeErrs[i])
		}
	}
}
