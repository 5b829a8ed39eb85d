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
