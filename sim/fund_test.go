package sim_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/sim"
)

// The seed policy for resident insurance (390) outpatient care, from
// 2021-01-01, is illustrative: deductible 100.00, ratio 0.5, yearly cap
// 800.00. These tests rely on it.

var settlementSeq atomic.Int64

var at0 = time.Date(2026, 7, 1, 10, 0, 0, 0, domain.Beijing)

func newFund(t *testing.T) (sim.Fund, *sqlx.DB) {
	t.Helper()
	conn := dbtest.Open(t, testURL)
	return sim.Fund{DB: conn}, conn
}

// claim is a resident outpatient claim of a settlement id no other test
// uses.
func claim(patient domain.IDNumber, on domain.Date, medical string) domain.FundClaim {
	return domain.FundClaim{
		SettlementID: fmt.Sprintf("stl-sim-%d", settlementSeq.Add(1)), Patient: patient, Insutype: domain.InsutypeResident,
		MedicalType: domain.MedicalOutpatient, ServiceDate: on, Medical: domain.MustAmount(medical), At: at0,
	}
}

func settle(t *testing.T, f sim.Fund, c domain.FundClaim, want string) {
	t.Helper()
	got, err := f.Settle(context.Background(), c)
	if err != nil {
		t.Fatalf("Settle(%s, %s): %v", c.SettlementID, c.Medical, err)
	}
	if got.String() != want {
		t.Fatalf("fund share of %s = %s, want %s", c.SettlementID, got, want)
	}
}

func assertUsage(t *testing.T, conn *sqlx.DB, patient domain.IDNumber, year int, deductible, fund string) {
	t.Helper()
	var u struct {
		DeductibleUsed domain.Amount `db:"deductible_used"`
		FundPaid       domain.Amount `db:"fund_paid"`
	}
	err := conn.GetContext(context.Background(), &u, `SELECT deductible_used, fund_paid FROM sim.fund_usage
		WHERE id_number = $1 AND year = $2 AND insutype = '390' AND medical_type = 'outpatient'`, patient, year)
	if err != nil {
		t.Fatalf("fund usage of %s in %d: %v", patient, year, err)
	}
	if u.DeductibleUsed.String() != deductible || u.FundPaid.String() != fund {
		t.Fatalf("fund usage in %d = (deductible %s, fund %s), want (%s, %s)", year, u.DeductibleUsed, u.FundPaid, deductible, fund)
	}
}

func TestFund_SeedPolicyCoversEveryInsutypeAndMedicalType(t *testing.T) {
	f, _ := newFund(t)
	policies, err := f.Policies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []domain.Insutype{domain.InsutypeEmployee, domain.InsutypeResident} {
		for _, m := range []domain.MedicalType{domain.MedicalOutpatient, domain.MedicalChronicOutpatient, domain.MedicalPharmacy, domain.MedicalInpatient} {
			if _, ok := domain.FundPolicyOn(policies, it, m, domain.NewDate(2026, 7, 1)); !ok {
				t.Errorf("no seed policy for %s %s", it, m)
			}
		}
	}
}

func TestFund_SettleIsIdempotentOnTheSettlementID(t *testing.T) {
	f, conn := newFund(t)
	patient := newPerson()
	c := claim(patient, domain.NewDate(2026, 7, 1), "300.00")

	// 100.00 deductible, then half of 200.00.
	settle(t, f, c, "100.00")
	settle(t, f, c, "100.00")
	// A retry is answered from the booking, whatever it carries.
	c.Medical = domain.MustAmount("9999.00")
	settle(t, f, c, "100.00")

	assertUsage(t, conn, patient, 2026, "100.00", "100.00")
	if n := count(t, conn, `SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1`, c.SettlementID); n != 1 {
		t.Fatalf("%d fund bookings, want 1", n)
	}
}

func TestFund_DeductibleAndCapTrackedAcrossTheYear(t *testing.T) {
	f, conn := newFund(t)
	patient := newPerson()
	on := domain.NewDate(2026, 3, 5)

	settle(t, f, claim(patient, on, "60.00"), "0.00") // all deductible
	assertUsage(t, conn, patient, 2026, "60.00", "0.00")

	settle(t, f, claim(patient, on.AddDays(10), "100.01"), "30.00") // 40.00 deductible left, half of 60.01 rounded down
	assertUsage(t, conn, patient, 2026, "100.00", "30.00")

	settle(t, f, claim(patient, on.AddDays(20), "2000.00"), "770.00") // cap 800.00, 30.00 used
	assertUsage(t, conn, patient, 2026, "100.00", "800.00")

	settle(t, f, claim(patient, on.AddDays(30), "50.00"), "0.00") // cap reached
	assertUsage(t, conn, patient, 2026, "100.00", "800.00")

	// A new year starts afresh.
	settle(t, f, claim(patient, domain.NewDate(2027, 1, 1), "300.00"), "100.00")
	assertUsage(t, conn, patient, 2027, "100.00", "100.00")
	assertUsage(t, conn, patient, 2026, "100.00", "800.00")
}

func TestFund_NoPolicyBeforeTheFirstVersion(t *testing.T) {
	f, conn := newFund(t)
	patient := newPerson()
	c := claim(patient, domain.NewDate(2020, 12, 31), "100.00")
	_, err := f.Settle(context.Background(), c)
	assertCode(t, err, domain.CodeNoFundPolicy)
	if n := count(t, conn, `SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1`, c.SettlementID); n != 0 {
		t.Fatalf("a refused fund claim booked %d rows", n)
	}
	if n := count(t, conn, `SELECT count(*) FROM sim.fund_usage WHERE id_number = $1`, patient); n != 0 {
		t.Fatalf("a refused fund claim wrote %d usage rows", n)
	}
}

func TestFund_CancelRestoresUsageOnceAndIgnoresUnsettled(t *testing.T) {
	f, conn := newFund(t)
	ctx := context.Background()
	patient := newPerson()
	on := domain.NewDate(2026, 7, 1)
	first := claim(patient, on, "150.00")
	settle(t, f, first, "25.00")                         // 100.00 deductible, half of 50.00
	settle(t, f, claim(patient, on, "200.00"), "100.00") // deductible used up
	assertUsage(t, conn, patient, 2026, "100.00", "125.00")

	for i := range 3 {
		if err := f.Cancel(ctx, first.SettlementID, at0); err != nil {
			t.Fatalf("Cancel #%d: %v", i+1, err)
		}
	}
	assertUsage(t, conn, patient, 2026, "0.00", "100.00")
	// A settle repeated after the cancellation is refused and counts nothing.
	if _, err := f.Settle(ctx, first); domain.ErrorCode(err) != domain.CodeSettlementAlreadyReversed {
		t.Fatalf("Settle after Cancel: %v, want %s", err, domain.CodeSettlementAlreadyReversed)
	}
	assertUsage(t, conn, patient, 2026, "0.00", "100.00")

	// The next claim finds the deductible open again.
	settle(t, f, claim(patient, on, "150.00"), "25.00")
	assertUsage(t, conn, patient, 2026, "100.00", "125.00")

	// Never settled: nothing to do, no error.
	if err := f.Cancel(ctx, "stl-unknown", at0); err != nil {
		t.Fatalf("Cancel of an unknown settlement: %v", err)
	}
	assertUsage(t, conn, patient, 2026, "100.00", "125.00")
}

func TestFund_ConcurrentClaimsNeverPassTheCap(t *testing.T) {
	f, conn := newFund(t)
	patient := newPerson()
	on := domain.NewDate(2026, 7, 1)
	const n = 12
	paid := make([]domain.Amount, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := claim(patient, on, "300.00")
		wg.Go(func() { paid[i], errs[i] = f.Settle(context.Background(), c) })
	}
	wg.Wait()
	sum := domain.Zero
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Settle #%d: %v", i, errs[i])
		}
		sum = sum.Add(paid[i])
	}
	// 12 × 300.00: the first pays 100.00 after the deductible, the others
	// 150.00 each, until the 800.00 cap.
	if sum.String() != "800.00" {
		t.Fatalf("fund paid in all %s, want 800.00", sum)
	}
	assertUsage(t, conn, patient, 2026, "100.00", "800.00")
}
