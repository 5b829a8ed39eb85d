package domain

// DebitFacts are what a debit of a shared account reads, under row locks,
// in the transaction that moves the money: both people, the binding, and
// the day the money is for (a settlement's service date, a premium
// payment's date).
type DebitFacts struct {
	Holder      Party
	Beneficiary Party
	Binding     Binding
	On          Date
}

// CheckDebit is the one rule of whether a shared account may pay now: the
// binding is active and valid on the day (NO_ACTIVE_BINDING), its holder
// may pay on it (CheckHolderOn: alive on the day, employee-insured in
// Bortala, normal, not in arrears, account open and not frozen) and its
// beneficiary is covered on it (CheckBeneficiaryOn: alive on the day,
// basic insurance in Xinjiang, normal). Every debit applies it to what it
// reads in its own transaction, so that it never depends on the binding
// workflow having acted on a death or a change of enrolment.
func CheckDebit(f DebitFacts, pools Pools) error {
	if !f.Binding.ActiveOn(f.On) {
		return Errorf(CodeNoActiveBinding, "the binding is %s, valid %s to %s; it cannot pay for %s",
			f.Binding.Status, f.Binding.ValidFrom, f.Binding.Terms.ValidUntil, f.On)
	}
	if err := CheckHolderOn(f.Holder, pools, f.On); err != nil {
		return err
	}
	return CheckBeneficiaryOn(f.Binding.Holder, f.Beneficiary, pools, f.On)
}

// ActiveOn reports whether the binding is active and the day lies within
// its validity (valid_from to valid_until, both included; no valid_until:
// long-term).
func (b Binding) ActiveOn(d Date) bool {
	return b.Status == BindingActive && !b.ValidFrom.IsZero() && !d.Before(b.ValidFrom) &&
		(b.Terms.ValidUntil.IsZero() || !d.After(b.Terms.ValidUntil))
}
