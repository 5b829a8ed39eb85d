package db_test

import (
	"context"
	"sync"
	"testing"

	"gongji/db"
	"gongji/domain"
)

// The seed policy for resident insurance (390) outpatient care, from
// 2021-01-01, is illustrative: deductible 100.00, ratio 0.5, yearly cap
// 800.00. These tests rely on it.

type fundUsageRow struct {
	DeductibleUsed domain.Amount `db:"deductible_used"`
	FundPaid       domain.Amount `db:"fund_paid"`
}

func fundUsage(t *testing.T, s *db.Store, patient domain.IDNumber, year int) fundUsageRow {
	t.Helper()
	var u fundUsageRow
	err := s.DB().GetContext(context.Background(), &u, `SELECT deductible_used, fund_paid FROM fund_usage
		WHERE id_number = $1 AND year = $2 AND insutype = '390' AND medical_type = 'outpatient'`, patient, year)
	if err != nil {
		t.Fatalf("fund_usage of %s in %d: %v", patient, year, err)
	}
	return u
}

func assertUsage(t *testing.T, s *db.Store, patient domain.IDNumber, year int, deductible, fund string) {
	t.Helper()
	u := fundUsage(t, s, patient, year)
	if u.DeductibleUsed.String() != deductible || u.FundPaid.String() != fund {
		t.Fatalf("fund usage in %d = (deductible %s, fund %s), want (%s, %s)", year, u.DeductibleUsed, u.FundPaid, deductible, fund)
	}
}

func claim(st db.Settlement, medical string) db.FundClaim {
	return db.FundClaim{
		SettlementID: st.ID, Patient: domain.IDNumber(st.Patient), Insutype: domain.InsutypeResident,
		MedicalType: domain.MedicalOutpatient, ServiceDate: st.ServiceDate, Medical: domain.MustAmount(medical), At: st0,
	}
}

func settleFund(t *testing.T, s *db.Store, c db.FundClaim, want string) {
	t.Helper()
	got, err := s.SettleFund(context.Background(), c)
	if err != nil {
		t.Fatalf("SettleFund(%s, %s): %v", c.SettlementID, c.Medical, err)
	}
	assertAmount(t, "fund share of "+c.SettlementID, got, want)
}

func TestFundPolicies_SeedCoversEveryInsutypeAndMedicalType(t *testing.T) {
	s := newStore(t)
	policies, err := s.FundPolicies(context.Background())
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

func TestSettleFund_IdempotentOnSettlementID(t *testing.T) {
	s := newStore(t)
	inst := institution(t, s)
	patient := resident(t, s)
	st := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "300.00")

	// 100.00 deductible, then half of 200.00.
	settleFund(t, s, claim(st, "300.00"), "100.00")
	settleFund(t, s, claim(st, "300.00"), "100.00")
	// A retry is answered from the booking, whatever it carries.
	settleFund(t, s, claim(st, "9999.00"), "100.00")

	assertUsage(t, s, patient, 2026, "100.00", "100.00")
	if n := count(t, s, `SELECT count(*) FROM fund_settlements WHERE settlement_id = $1`, st.ID); n != 1 {
		t.Fatalf("%d fund bookings, want 1", n)
	}
	got := mustSettlement(t, s, st.ID)
	assertAmount(t, "settlement fund_pay", got.FundPay, "100.00")
	if n := steps(t, s, st.ID, "fund", "paid"); n != 1 {
		t.Fatalf("%d fund steps, want 1", n)
	}
}

func TestSettleFund_DeductibleAndCapTrackedAcrossTheYear(t *testing.T) {
	s := newStore(t)
	inst := institution(t, s)
	patient := resident(t, s)
	on := domain.NewDate(2026, 3, 5)

	first := settlementRow(t, s, inst, patient, on, "60.00")
	settleFund(t, s, claim(first, "60.00"), "0.00") // all deductible
	assertUsage(t, s, patient, 2026, "60.00", "0.00")

	second := settlementRow(t, s, inst, patient, on.AddDays(10), "100.01")
	settleFund(t, s, claim(second, "100.01"), "30.00") // 40.00 deductible left, half of 60.01 rounded down
	assertUsage(t, s, patient, 2026, "100.00", "30.00")

	third := settlementRow(t, s, inst, patient, on.AddDays(20), "2000.00")
	settleFund(t, s, claim(third, "2000.00"), "770.00") // cap 800.00, 30.00 used
	assertUsage(t, s, patient, 2026, "100.00", "800.00")

	fourth := settlementRow(t, s, inst, patient, on.AddDays(30), "50.00")
	settleFund(t, s, claim(fourth, "50.00"), "0.00") // cap reached
	assertUsage(t, s, patient, 2026, "100.00", "800.00")

	// A new year starts afresh.
	nextYear := settlementRow(t, s, inst, patient, domain.NewDate(2027, 1, 1), "300.00")
	settleFund(t, s, claim(nextYear, "300.00"), "100.00")
	assertUsage(t, s, patient, 2027, "100.00", "100.00")
	assertUsage(t, s, patient, 2026, "100.00", "800.00")
}

func TestSettleFund_NoPolicyBeforeTheFirstVersion(t *testing.T) {
	s := newStore(t)
	patient := resident(t, s)
	st := settlementRow(t, s, institution(t, s), patient, domain.NewDate(2020, 12, 31), "100.00")
	_, err := s.SettleFund(context.Background(), claim(st, "100.00"))
	assertCode(t, err, domain.CodeNoFundPolicy)
	if n := count(t, s, `SELECT count(*) FROM fund_settlements WHERE settlement_id = $1`, st.ID); n != 0 {
		t.Fatalf("a refused fund claim booked %d rows", n)
	}
	if n := count(t, s, `SELECT count(*) FROM fund_usage WHERE id_number = $1`, patient); n != 0 {
		t.Fatalf("a refused fund claim wrote %d usage rows", n)
	}
}

func TestCancelFund_RestoresUsageOnceAndIgnoresUnsettled(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst := institution(t, s)
	patient := resident(t, s)
	on := domain.NewDate(2026, 7, 1)
	first := settlementRow(t, s, inst, patient, on, "150.00")
	second := settlementRow(t, s, inst, patient, on, "200.00")
	settleFund(t, s, claim(first, "150.00"), "25.00")   // 100.00 deductible, half of 50.00
	settleFund(t, s, claim(second, "200.00"), "100.00") // deductible used up
	assertUsage(t, s, patient, 2026, "100.00", "125.00")

	for i := 0; i < 3; i++ {
		if err := s.CancelFund(ctx, first.ID, st0); err != nil {
			t.Fatalf("CancelFund #%d: %v", i+1, err)
		}
	}
	assertUsage(t, s, patient, 2026, "0.00", "100.00")
	if n := steps(t, s, first.ID, "fund", "cancelled"); n != 1 {
		t.Fatalf("%d fund cancellation steps, want 1", n)
	}
	// A settle repeated after the cancellation is refused and counts nothing.
	if _, err := s.SettleFund(ctx, claim(first, "150.00")); domain.ErrorCode(err) != domain.CodeSettlementAlreadyReversed {
		t.Fatalf("SettleFund after CancelFund: %v, want %s", err, domain.CodeSettlementAlreadyReversed)
	}
	assertUsage(t, s, patient, 2026, "0.00", "100.00")

	// The next claim finds the deductible open again.
	third := settlementRow(t, s, inst, patient, on, "150.00")
	settleFund(t, s, claim(third, "150.00"), "25.00")
	assertUsage(t, s, patient, 2026, "100.00", "125.00")

	// Never settled: nothing to do, no error, no step.
	unsettled := settlementRow(t, s, inst, patient, on, "10.00")
	if err := s.CancelFund(ctx, unsettled.ID, st0); err != nil {
		t.Fatalf("CancelFund of an unsettled settlement: %v", err)
	}
	if err := s.CancelFund(ctx, "stl-unknown", st0); err != nil {
		t.Fatalf("CancelFund of an unknown settlement: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1`, unsettled.ID); n != 0 {
		t.Fatalf("CancelFund of an unsettled settlement wrote %d steps", n)
	}
	assertUsage(t, s, patient, 2026, "100.00", "125.00")
}

func TestSettleFund_ConcurrentClaimsNeverPassTheCap(t *testing.T) {
	s := newStore(t)
	inst := institution(t, s)
	patient := resident(t, s)
	on := domain.NewDate(2026, 7, 1)
	const n = 12
	sts := make([]db.Settlement, n)
	for i := range sts {
		sts[i] = settlementRow(t, s, inst, patient, on, "300.00")
	}
	paid := make([]domain.Amount, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range sts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			paid[i], errs[i] = s.SettleFund(context.Background(), claim(sts[i], "300.00"))
		}(i)
	}
	wg.Wait()
	sum := domain.Zero
	for i := range sts {
		if errs[i] != nil {
			t.Fatalf("SettleFund #%d: %v", i, errs[i])
		}
		sum = sum.Add(paid[i])
	}
	// 12 × 300.00: the first pays 100.00 after the deductible, the others
	// 150.00 each, until the 800.00 cap.
	assertAmount(t, "fund paid in all", sum, "800.00")
	assertUsage(t, s, patient, 2026, "100.00", "800.00")
}
