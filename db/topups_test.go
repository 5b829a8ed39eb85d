package db_test

import (
	"context"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

func TestRecordTopup_OnceAndMarkTopupRefundedOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "23.75")
	if _, err := s.AwaitTopup(ctx, st.ID, domain.MustAmount("23.75")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.TopupOf(ctx, st.ID); err != nil || ok {
		t.Fatalf("TopupOf before any top-up: ok %v, %v", ok, err)
	}

	cash := db.Topup{SettlementID: st.ID, Method: string(domain.TopupCash), Amount: domain.MustAmount("23.75"), ReceiptNo: "SJ-0042"}
	if err := s.RecordTopup(ctx, cash, st0); err != nil {
		t.Fatal(err)
	}
	// A retry, even one carrying something else, changes nothing.
	retry := cash
	retry.Amount, retry.ReceiptNo = domain.MustAmount("99.00"), "SJ-9999"
	if err := s.RecordTopup(ctx, retry, st0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.TopupOf(ctx, st.ID)
	if err != nil || !ok {
		t.Fatalf("TopupOf: ok %v, %v", ok, err)
	}
	if got.Method != "cash" || got.Amount.String() != "23.75" || got.ReceiptNo != "SJ-0042" || got.ChargeID != "" || got.Refunded {
		t.Fatalf("TopupOf = %+v", got)
	}
	read := mustSettlement(t, s, st.ID)
	assertAmount(t, "topup_pay", read.TopupPay, "23.75")
	assertAmount(t, "topup_due", read.TopupDue, "0.00")
	if n := steps(t, s, st.ID, "topup", "collected"); n != 1 {
		t.Fatalf("%d collected steps, want 1", n)
	}

	for i := 0; i < 3; i++ {
		if err := s.MarkTopupRefunded(ctx, st.ID, st0.Add(time.Hour)); err != nil {
			t.Fatalf("MarkTopupRefunded #%d: %v", i+1, err)
		}
	}
	got, _, err = s.TopupOf(ctx, st.ID)
	if err != nil || !got.Refunded {
		t.Fatalf("after MarkTopupRefunded: %+v, %v", got, err)
	}
	if n := steps(t, s, st.ID, "topup", "refunded"); n != 1 {
		t.Fatalf("%d refunded steps, want 1", n)
	}
	var refundedAt time.Time
	if err := s.DB().GetContext(ctx, &refundedAt, `SELECT refunded_at FROM topups WHERE settlement_id = $1`, st.ID); err != nil {
		t.Fatal(err)
	}
	if !refundedAt.Equal(st0.Add(time.Hour)) {
		t.Fatalf("refunded_at = %v, want the first call's %v", refundedAt, st0.Add(time.Hour))
	}
}

func TestMarkTopupRefunded_WithoutATopupIsANoOp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "10.00")
	if err := s.MarkTopupRefunded(ctx, st.ID, st0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.TopupOf(ctx, st.ID); err != nil || ok {
		t.Fatalf("TopupOf: ok %v, %v; want none", ok, err)
	}
	if n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1`, st.ID); n != 0 {
		t.Fatalf("%d steps, want 0", n)
	}
}

func TestRecordTopup_BankCardKeepsTheChargeID(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "10.00")
	card := db.Topup{SettlementID: st.ID, Method: string(domain.TopupBankCard), Amount: domain.MustAmount("10.00"), ChargeID: st.ID + ":charge:1"}
	if err := s.RecordTopup(ctx, card, st0); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.TopupOf(ctx, st.ID)
	if err != nil || !ok || got.Method != "bank_card" || got.ChargeID != card.ChargeID {
		t.Fatalf("TopupOf = %+v, %v, %v", got, ok, err)
	}
	// The method is checked by the database.
	bad := db.Topup{SettlementID: settlementRow(t, s, institution(t, s), resident(t, s), serviceDate, "1.00").ID, Method: "wechat", Amount: domain.MustAmount("1.00")}
	if err := s.RecordTopup(ctx, bad, st0); err == nil {
		t.Fatal("RecordTopup accepted the method wechat")
	}
}

func TestBookCardCharge_OncePerKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	key := newKey("charge")
	first, err := s.BookCardCharge(ctx, db.CardCharge{Key: key, Token: "tok_visa", Amount: domain.MustAmount("23.75"), Status: "captured"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Key != key || first.Token != "tok_visa" || first.Amount.String() != "23.75" || first.Status != "captured" {
		t.Fatalf("BookCardCharge = %+v", first)
	}
	again, err := s.BookCardCharge(ctx, db.CardCharge{Key: key, Token: "tok_decline", Amount: domain.MustAmount("1.00"), Status: "declined"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Key != first.Key || again.Token != first.Token || !again.Amount.Equal(first.Amount.Decimal) || again.Status != first.Status {
		t.Fatalf("a repeated BookCardCharge = %+v, want the first %+v", again, first)
	}
	if n := count(t, s, `SELECT count(*) FROM card_charges WHERE charge_key = $1`, key); n != 1 {
		t.Fatalf("%d charges, want 1", n)
	}
}

func TestSetCardChargeStatus_OnlyFromCaptured(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	status := func(key string) string {
		t.Helper()
		var st string
		if err := s.DB().GetContext(ctx, &st, `SELECT status FROM card_charges WHERE charge_key = $1`, key); err != nil {
			t.Fatal(err)
		}
		return st
	}
	book := func(st string) string {
		t.Helper()
		key := newKey("charge")
		if _, err := s.BookCardCharge(ctx, db.CardCharge{Key: key, Token: "tok_x", Amount: domain.MustAmount("5.00"), Status: st}); err != nil {
			t.Fatal(err)
		}
		return key
	}

	captured := book("captured")
	for i := 0; i < 2; i++ {
		if err := s.SetCardChargeStatus(ctx, captured, "refunded"); err != nil {
			t.Fatal(err)
		}
	}
	if got := status(captured); got != "refunded" {
		t.Fatalf("status = %s, want refunded", got)
	}
	// Once moved, it stays.
	if err := s.SetCardChargeStatus(ctx, captured, "reversed"); err != nil {
		t.Fatal(err)
	}
	if got := status(captured); got != "refunded" {
		t.Fatalf("status = %s, want refunded", got)
	}

	declined := book("declined")
	if err := s.SetCardChargeStatus(ctx, declined, "reversed"); err != nil {
		t.Fatal(err)
	}
	if got := status(declined); got != "declined" {
		t.Fatalf("a declined charge became %s", got)
	}

	// Reversing a charge that never happened is fine.
	if err := s.SetCardChargeStatus(ctx, newKey("charge"), "reversed"); err != nil {
		t.Fatal(err)
	}
}
