package db_test

import (
	"context"
	"testing"

	"gongji/db"
	"gongji/domain"
)

func fundClaim(st db.Settlement) domain.FundClaim {
	return domain.FundClaim{
		SettlementID: st.ID, Patient: domain.IDNumber(st.Patient), Insutype: domain.InsutypeResident,
		MedicalType: domain.MedicalOutpatient, ServiceDate: st.ServiceDate, Medical: st.Total, At: st0,
	}
}

// The fund engine's share is written to the settlement with one step,
// however often it is recorded.
func TestRecordFundShare_WritesTheSettlementAndOneStep(t *testing.T) {
	s := newStore(t)
	st := settlementRow(t, s, institution(t, s), resident(t, s), domain.NewDate(2026, 7, 1), "300.00")
	for range 2 {
		if err := s.RecordFundShare(context.Background(), fundClaim(st), domain.MustAmount("100.00")); err != nil {
			t.Fatal(err)
		}
	}
	assertAmount(t, "settlement fund_pay", mustSettlement(t, s, st.ID).FundPay, "100.00")
	if n := steps(t, s, st.ID, "fund", "paid"); n != 1 {
		t.Fatalf("%d fund steps, want 1", n)
	}
}

// A cancellation is recorded once, with the share booked; a share recorded
// after it is SETTLEMENT_ALREADY_REVERSED and changes nothing; a
// settlement the fund never paid gets no cancellation step.
func TestRecordFundCancel_OnceWithTheShareBookedAndRefusesTheShareAfterIt(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst, patient := institution(t, s), resident(t, s)
	st := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "150.00")
	if err := s.RecordFundShare(ctx, fundClaim(st), domain.MustAmount("25.00")); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.RecordFundCancel(ctx, st.ID, st0); err != nil {
			t.Fatalf("RecordFundCancel #%d: %v", i+1, err)
		}
	}
	if n := steps(t, s, st.ID, "fund", "cancelled"); n != 1 {
		t.Fatalf("%d fund cancellation steps, want 1", n)
	}
	var amount domain.Amount
	if err := s.DB().GetContext(ctx, &amount, `SELECT amount FROM settlement_steps WHERE step_key = $1`, st.ID+":fund-cancel"); err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "cancelled share", amount, "25.00")

	err := s.RecordFundShare(ctx, fundClaim(st), domain.MustAmount("99.00"))
	assertCode(t, err, domain.CodeSettlementAlreadyReversed)
	assertAmount(t, "settlement fund_pay after the refused share", mustSettlement(t, s, st.ID).FundPay, "25.00")

	unsettled := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "10.00")
	if err := s.RecordFundCancel(ctx, unsettled.ID, st0); err != nil {
		t.Fatalf("RecordFundCancel of an unsettled settlement: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1`, unsettled.ID); n != 0 {
		t.Fatalf("RecordFundCancel of an unsettled settlement wrote %d steps", n)
	}
}
