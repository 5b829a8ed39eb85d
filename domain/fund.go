package domain

import "github.com/shopspring/decimal"

// FundPolicy is how the pooled fund pays for one insurance type and medical
// type from a date: a yearly deductible (起付线), then a ratio of the rest,
// up to a yearly cap. The values in the database are illustrative sample
// policy data, not Bortala's real rates.
type FundPolicy struct {
	Insutype      Insutype
	MedicalType   MedicalType
	EffectiveFrom Date
	Deductible    Amount
	Ratio         decimal.Decimal
	YearlyCap     Amount
}

// FundUsage is what a patient has used of a policy this year.
type FundUsage struct {
	DeductibleUsed Amount
	FundPaid       Amount
}

// FundShare splits a medical amount under a policy: the part of the
// deductible still open is the patient's, the fund pays Ratio of the rest
// (rounded down to the fen) up to what is left of the yearly cap.
func FundShare(p FundPolicy, used FundUsage, medical Amount) (fundPay, deductibleApplied Amount) {
	open := p.Deductible.Sub(used.DeductibleUsed)
	if open.IsNegative() {
		open = Zero
	}
	deductibleApplied = medical.Min(open)
	eligible := medical.Sub(deductibleApplied)
	fund := Amount{eligible.Mul(p.Ratio).RoundFloor(2)}
	capLeft := p.YearlyCap.Sub(used.FundPaid)
	if capLeft.IsNegative() {
		capLeft = Zero
	}
	return fund.Min(capLeft), deductibleApplied
}

// FundPolicyOn picks the policy in force on a date for an insurance type
// and medical type: the latest EffectiveFrom not after the date.
func FundPolicyOn(policies []FundPolicy, t Insutype, m MedicalType, on Date) (FundPolicy, bool) {
	var best FundPolicy
	found := false
	for _, p := range policies {
		if p.Insutype != t || p.MedicalType != m || p.EffectiveFrom.After(on) {
			continue
		}
		if !found || p.EffectiveFrom.After(best.EffectiveFrom) {
			best, found = p, true
		}
	}
	return best, found
}
