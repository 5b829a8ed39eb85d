package sim_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/external"
	"gongji/sim"
)

func newCards(t *testing.T) (sim.Cards, *sqlx.DB) {
	t.Helper()
	conn := dbtest.Open(t, testURL)
	return sim.Cards{DB: conn}, conn
}

// newKey is a charge key no other test run uses.
func newKey() string { return uuid.NewString() + ":charge:1" }

// chargeStatus is the gateway's record of key, "" when it has none.
func chargeStatus(t *testing.T, conn *sqlx.DB, key string) string {
	t.Helper()
	var status []string
	if err := conn.SelectContext(context.Background(), &status, `SELECT status FROM sim.card_charges WHERE charge_key = $1`, key); err != nil {
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
func TestCards_ReversalBeforeItsCharge_VoidsTheKeyAndTheLateChargeIsRefused(t *testing.T) {
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

func TestCards_ReversalOfACapturedCharge_ReversesItOnce(t *testing.T) {
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

func TestCards_ReversalOfADeclinedCharge_LeavesItDeclined(t *testing.T) {
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
func TestCards_ChargeRacingItsReversal_NeverEndsCaptured(t *testing.T) {
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

// A key is booked once: a repeated charge under it returns the first
// booking, whatever it carries.
func TestCards_ChargeIsBookedOncePerKey(t *testing.T) {
	cards, conn := newCards(t)
	ctx := context.Background()
	key := newKey()
	if err := cards.Charge(ctx, key, "tok_visa", domain.MustAmount("23.75")); err != nil {
		t.Fatal(err)
	}
	if err := cards.Charge(ctx, key, "tok_other", domain.MustAmount("1.00")); err != nil {
		t.Fatalf("a repeated charge of a captured key: %v, want the first answer", err)
	}
	var rows []struct {
		Token  string        `db:"card_token"`
		Amount domain.Amount `db:"amount"`
		Status string        `db:"status"`
	}
	if err := conn.SelectContext(ctx, &rows, `SELECT card_token, amount, status FROM sim.card_charges WHERE charge_key = $1`, key); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Token != "tok_visa" || rows[0].Amount.String() != "23.75" || rows[0].Status != "captured" {
		t.Fatalf("the gateway holds %+v, want one captured tok_visa 23.75", rows)
	}
}

// A refund moves only a captured charge, once; a declined or unknown key
// is left as it is.
func TestCards_RefundOnlyFromCaptured(t *testing.T) {
	cards, conn := newCards(t)
	ctx := context.Background()
	captured := newKey()
	if err := cards.Charge(ctx, captured, "tok_visa", domain.MustAmount("5.00")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := cards.Refund(ctx, captured); err != nil {
			t.Fatal(err)
		}
	}
	if got := chargeStatus(t, conn, captured); got != "refunded" {
		t.Fatalf("a refunded charge is %q, want refunded", got)
	}
	if err := cards.Reverse(ctx, captured); err != nil {
		t.Fatal(err)
	}
	if got := chargeStatus(t, conn, captured); got != "refunded" {
		t.Fatalf("a refunded charge reversed is %q, want refunded", got)
	}

	declined := newKey()
	if err := cards.Charge(ctx, declined, "tok_decline", domain.MustAmount("5.00")); domain.ErrorCode(err) != domain.CodeCardDeclined {
		t.Fatalf("charge: %v", err)
	}
	if err := cards.Refund(ctx, declined); err != nil {
		t.Fatal(err)
	}
	if got := chargeStatus(t, conn, declined); got != "declined" {
		t.Fatalf("a declined charge refunded is %q, want declined", got)
	}

	unknown := newKey()
	if err := cards.Refund(ctx, unknown); err != nil {
		t.Fatalf("refunding an unknown key: %v", err)
	}
	if got := chargeStatus(t, conn, unknown); got != "" {
		t.Fatalf("refunding an unknown key recorded %q", got)
	}
}

// An armed fault fails the call before the gateway books anything.
func TestCards_InjectedFaultBooksNothing(t *testing.T) {
	_, conn := newCards(t)
	faults := &external.Faults{}
	cards := sim.Cards{DB: conn, Faults: faults}
	faults.Fail(external.OpCardCharge, 1)
	key := newKey()
	if err := cards.Charge(context.Background(), key, "tok_visa", domain.MustAmount("5.00")); !errors.Is(err, external.ErrInjected) {
		t.Fatalf("a charge with a fault armed: %v, want %v", err, external.ErrInjected)
	}
	if got := chargeStatus(t, conn, key); got != "" {
		t.Fatalf("a failed charge recorded %q", got)
	}
	if err := cards.Charge(context.Background(), key, "tok_visa", domain.MustAmount("5.00")); err != nil {
		t.Fatalf("the charge after the fault: %v", err)
	}
}
