package sim_test

import (
	"context"
	"testing"

	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/sim"
)

func TestPremiums_IllustrativePolicyRowsAndUnknownYears(t *testing.T) {
	p := sim.Premiums{DB: dbtest.Open(t, testURL)}
	ctx := context.Background()
	for year, want := range map[int]string{2025: "380.00", 2026: "400.00", 2027: "400.00"} {
		got, err := p.Premium(ctx, year)
		if err != nil {
			t.Fatalf("Premium(%d): %v", year, err)
		}
		if got.Year != year || got.Amount.String() != want || got.Note != "illustrative" {
			t.Fatalf("Premium(%d) = %+v, want %s marked illustrative", year, got, want)
		}
	}
	_, err := p.Premium(ctx, 1999)
	assertCode(t, err, domain.CodePremiumNotFound)
}

func TestPremiums_PostIdempotentOnePerPersonAndYearCancellable(t *testing.T) {
	conn := dbtest.Open(t, testURL)
	p := sim.Premiums{DB: conn}
	ctx := context.Background()
	child := newPerson()
	amount := domain.MustAmount("400.00")
	for i := range 2 {
		if err := p.Post(ctx, "pay-1", child, 2027, amount); err != nil {
			t.Fatalf("Post #%d: %v", i+1, err)
		}
	}
	assertCode(t, p.Post(ctx, "pay-2", child, 2027, amount), domain.CodePremiumAlreadyPaid)

	for _, id := range []string{"pay-1", "pay-1", "never-posted"} {
		if err := p.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	// A cancelled posting is not booked again under its payment id.
	assertCode(t, p.Post(ctx, "pay-1", child, 2027, amount), domain.CodeInternal)
	if err := p.Post(ctx, "pay-2", child, 2027, amount); err != nil {
		t.Fatalf("another payment after the cancellation: %v", err)
	}
	if n := count(t, conn, `SELECT count(*) FROM sim.premium_postings WHERE beneficiary_id_number = $1 AND status = 'posted'`, child); n != 1 {
		t.Fatalf("%d posted premiums, want 1", n)
	}
	// The same payment id for another amount is refused, never rebooked.
	assertCode(t, p.Post(ctx, "pay-2", child, 2027, domain.MustAmount("1.00")), domain.CodeInternal)
}
