package domain_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"gongji/domain"
)

func policy(deductible, ratio, yearlyCap string) domain.FundPolicy {
	return domain.FundPolicy{
		Insutype: domain.InsutypeEmployee, MedicalType: domain.MedicalOutpatient, EffectiveFrom: day(2021, 1, 1),
		Deductible: domain.MustAmount(deductible), Ratio: decimal.RequireFromString(ratio), YearlyCap: domain.MustAmount(yearlyCap),
	}
}

func usage(deductibleUsed, fundPaid string) domain.FundUsage {
	return domain.FundUsage{DeductibleUsed: domain.MustAmount(deductibleUsed), FundPaid: domain.MustAmount(fundPaid)}
}

func TestFundShare(t *testing.T) {
	outpatient := policy("300.00", "0.5", "3000.00")
	tests := []struct {
		name                 string
		p                    domain.FundPolicy
		used                 domain.FundUsage
		medical              string
		fund, deductibleUsed string
	}{
		{"deductible open, medical above it", outpatient, usage("0.00", "0.00"), "500.00", "100.00", "300.00"},
		{"deductible partly used", outpatient, usage("250.00", "0.00"), "500.00", "225.00", "50.00"},
		{"deductible fully used", outpatient, usage("300.00", "0.00"), "500.00", "250.00", "0.00"},
		{"deductible used beyond the policy (policy lowered)", outpatient, usage("400.00", "0.00"), "500.00", "250.00", "0.00"},
		{"medical below the open deductible", outpatient, usage("0.00", "0.00"), "120.00", "0.00", "120.00"},
		{"medical exactly the open deductible", outpatient, usage("100.00", "0.00"), "200.00", "0.00", "200.00"},
		{"medical a fen above the open deductible", outpatient, usage("100.00", "0.00"), "200.01", "0.00", "200.00"},
		{"ratio rounds down to the fen", policy("0.00", "0.5", "3000.00"), usage("0.00", "0.00"), "33.33", "16.66", "0.00"},
		{"ratio 0.85 rounds down", policy("0.00", "0.85", "3000.00"), usage("0.00", "0.00"), "10.01", "8.50", "0.00"},
		{"ratio 0.7 on 0.99 rounds down", policy("0.00", "0.7", "3000.00"), usage("0.00", "0.00"), "0.99", "0.69", "0.00"},
		{"ratio 1 pays everything", policy("0.00", "1", "3000.00"), usage("0.00", "0.00"), "12.34", "12.34", "0.00"},
		{"ratio 0 pays nothing", policy("0.00", "0", "0.00"), usage("0.00", "0.00"), "12.34", "0.00", "0.00"},
		{"cap reached", outpatient, usage("300.00", "3000.00"), "500.00", "0.00", "0.00"},
		{"cap exceeded already", outpatient, usage("300.00", "3100.00"), "500.00", "0.00", "0.00"},
		{"cap partly left", outpatient, usage("300.00", "2900.00"), "500.00", "100.00", "0.00"},
		{"cap left exactly the share", outpatient, usage("300.00", "2750.00"), "500.00", "250.00", "0.00"},
		{"deductible and cap together", outpatient, usage("200.00", "2990.00"), "500.00", "10.00", "100.00"},
		{"nothing medical", outpatient, usage("0.00", "0.00"), "0.00", "0.00", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			medical := domain.MustAmount(tt.medical)
			fund, deductible := domain.FundShare(tt.p, tt.used, medical)
			if fund.String() != tt.fund || deductible.String() != tt.deductibleUsed {
				t.Errorf("FundShare = (fund %s, deductible %s), want (%s, %s)", fund, deductible, tt.fund, tt.deductibleUsed)
			}
			if fund.IsNegative() || deductible.IsNegative() {
				t.Errorf("negative share: fund %s, deductible %s", fund, deductible)
			}
			if fund.Add(deductible).GreaterThan(medical.Decimal) {
				t.Errorf("fund %s + deductible %s exceed the medical amount %s", fund, deductible, medical)
			}
			if fund.Exponent() < -2 {
				t.Errorf("fund %s has more than two decimals", fund.Decimal)
			}
		})
	}
}

func TestFundPolicyOn(t *testing.T) {
	mk := func(insutype domain.Insutype, m domain.MedicalType, from domain.Date, deductible string) domain.FundPolicy {
		return domain.FundPolicy{Insutype: insutype, MedicalType: m, EffectiveFrom: from,
			Deductible: domain.MustAmount(deductible), Ratio: decimal.RequireFromString("0.5"), YearlyCap: domain.MustAmount("3000")}
	}
	v2021 := mk(domain.InsutypeEmployee, domain.MedicalOutpatient, day(2021, 1, 1), "300.00")
	v2024 := mk(domain.InsutypeEmployee, domain.MedicalOutpatient, day(2024, 7, 1), "200.00")
	v2026 := mk(domain.InsutypeEmployee, domain.MedicalOutpatient, day(2026, 1, 1), "100.00")
	otherInsutype := mk(domain.InsutypeResident, domain.MedicalOutpatient, day(2025, 1, 1), "1.00")
	otherMedical := mk(domain.InsutypeEmployee, domain.MedicalInpatient, day(2025, 1, 1), "2.00")
	// Deliberately out of order: the choice must not depend on it.
	all := []domain.FundPolicy{v2026, otherInsutype, v2021, otherMedical, v2024}

	tests := []struct {
		name   string
		on     domain.Date
		t      domain.Insutype
		m      domain.MedicalType
		want   domain.FundPolicy
		wantOK bool
	}{
		{"before any version", day(2020, 12, 31), domain.InsutypeEmployee, domain.MedicalOutpatient, domain.FundPolicy{}, false},
		{"first day of the first version", day(2021, 1, 1), domain.InsutypeEmployee, domain.MedicalOutpatient, v2021, true},
		{"the day before the second version", day(2024, 6, 30), domain.InsutypeEmployee, domain.MedicalOutpatient, v2021, true},
		{"first day of the second version", day(2024, 7, 1), domain.InsutypeEmployee, domain.MedicalOutpatient, v2024, true},
		{"between second and third, other types newer", day(2025, 6, 1), domain.InsutypeEmployee, domain.MedicalOutpatient, v2024, true},
		{"latest version", day(2027, 3, 1), domain.InsutypeEmployee, domain.MedicalOutpatient, v2026, true},
		{"other insutype has its own", day(2027, 3, 1), domain.InsutypeResident, domain.MedicalOutpatient, otherInsutype, true},
		{"other insutype not yet in force", day(2024, 12, 31), domain.InsutypeResident, domain.MedicalOutpatient, domain.FundPolicy{}, false},
		{"other medical type has its own", day(2027, 3, 1), domain.InsutypeEmployee, domain.MedicalInpatient, otherMedical, true},
		{"no policy for the pair", day(2027, 3, 1), domain.InsutypeResident, domain.MedicalInpatient, domain.FundPolicy{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := domain.FundPolicyOn(all, tt.t, tt.m, tt.on)
			if ok != tt.wantOK {
				t.Fatalf("FundPolicyOn ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && (got.EffectiveFrom != tt.want.EffectiveFrom || got.Insutype != tt.want.Insutype ||
				got.MedicalType != tt.want.MedicalType || !got.Deductible.Equal(tt.want.Deductible.Decimal)) {
				t.Errorf("FundPolicyOn = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, ok := domain.FundPolicyOn(nil, domain.InsutypeEmployee, domain.MedicalOutpatient, day(2027, 1, 1)); ok {
		t.Error("FundPolicyOn(nil) found a policy")
	}
}
