package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// A settlement step repeated after its compensation (a lost local
// activity run again, or a new run of a saga that had already undone its
// steps) must be refused rather than report the undone money as standing.

func TestDebitSharedAccount_AfterItsRefund_IsRefusedAndTakesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "500.00", limitOf("3000.00"))
	debit(t, s, f.debit(f.st, "120.00"), "120.00")
	if _, err := s.RefundSharedAccount(ctx, f.st.ID, f.binding, st0); err != nil {
		t.Fatal(err)
	}

	taken, err := s.DebitSharedAccount(ctx, f.debit(f.st, "120.00"))
	if domain.ErrorCode(err) != domain.CodeSettlementAlreadyReversed {
		t.Fatalf("DebitSharedAccount after its refund: %s, %v; want %s", taken, err, domain.CodeSettlementAlreadyReversed)
	}
	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "500.00")
	assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), "0.00")
	if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_debit"); n != 1 {
		t.Fatalf("%d debit entries, want 1", n)
	}
	assertLedgerWhole(t, s)
}

func TestRecordTopup_AfterItsRefund_IsRefused(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "23.75")
	cash := db.Topup{SettlementID: st.ID, Method: string(domain.TopupCash), Amount: domain.MustAmount("23.75"), ReceiptNo: "SJ-0043"}
	if err := s.RecordTopup(ctx, cash, st0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTopupRefunded(ctx, st.ID, st0); err != nil {
		t.Fatal(err)
	}

	if err := s.RecordTopup(ctx, cash, st0); domain.ErrorCode(err) != domain.CodeSettlementAlreadyReversed {
		t.Fatalf("RecordTopup after its refund: %v, want %s", err, domain.CodeSettlementAlreadyReversed)
	}
	got, ok, err := s.TopupOf(ctx, st.ID)
	if err != nil || !ok || !got.Refunded {
		t.Fatalf("TopupOf = %+v, %v, %v; want the refunded top-up", got, ok, err)
	}
}

func TestPayersFor_BindingsThatPaidComeFirstWhateverTheyReadNow(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	inst := institution(t, s)
	first := employeeWithAccount(t, s, "100.00")
	second := employeeWithAccount(t, s, "100.00")
	older := activeBinding(t, s, first, child, domain.Terms{}, t0)
	newer := activeBinding(t, s, second, child, domain.Terms{}, t0.Add(time.Hour))
	st := settlementRow(t, s, inst, child, serviceDate, "300.00")

	// The newer binding paid (the child had named it first); then the
	// child's order went away and the binding ended.
	d := db.Debit{SettlementID: st.ID, BindingID: newer, Patient: child, Institution: inst,
		Owed: domain.MustAmount("30.00"), Position: 0, At: st0, Year: serviceDate.Year}
	debit(t, s, d, "30.00")
	if _, err := s.DB().ExecContext(ctx, `UPDATE bindings SET status = 'unbound' WHERE id = $1`, newer); err != nil {
		t.Fatal(err)
	}

	ids := func(cs []db.PayerCandidate) (out []string) {
		for _, c := range cs {
			if c.SkipReason() != "" {
				t.Errorf("%s would be skipped: %s", c.BindingID, c.SkipReason())
			}
			out = append(out, c.BindingID)
		}
		return out
	}
	got, err := s.PayersFor(ctx, st.ID, child, serviceDate)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{newer, older}; fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Fatalf("PayersFor = %v, want the binding that paid first %v", ids(got), want)
	}
	// Another settlement, and the eligibility check, see active bindings only.
	other := settlementRow(t, s, inst, child, serviceDate, "10.00")
	if got, err = s.PayersFor(ctx, other.ID, child, serviceDate); err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]string{older}) {
		t.Fatalf("PayersFor(another settlement) = %v, %v; want [%s]", ids(got), err, older)
	}
	if got, err = s.ActiveBindingsFor(ctx, child, serviceDate); err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]string{older}) {
		t.Fatalf("ActiveBindingsFor = %v, %v; want [%s]", ids(got), err, older)
	}
}

func TestAwaitTopup_AnswersATopupAlreadyBookedInsteadOfAskingAgain(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "23.75")
	if booked, err := s.AwaitTopup(ctx, st.ID, domain.MustAmount("23.75")); err != nil || !booked.IsZero() {
		t.Fatalf("AwaitTopup before any top-up = %s, %v; want 0.00", booked, err)
	}
	cash := db.Topup{SettlementID: st.ID, Method: string(domain.TopupCash), Amount: domain.MustAmount("23.75"), ReceiptNo: "SJ-0044"}
	if err := s.RecordTopup(ctx, cash, st0); err != nil {
		t.Fatal(err)
	}

	// A later run of the saga asks again: the booked top-up is answered
	// and nothing is due any more.
	booked, err := s.AwaitTopup(ctx, st.ID, domain.MustAmount("23.75"))
	if err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "booked top-up", booked, "23.75")
	assertAmount(t, "topup_due", mustSettlement(t, s, st.ID).TopupDue, "0.00")
}
