package domain

// Party is what eligibility rules read about one person: who they are,
// their enrolment and, for a holder, their personal account.
type Party struct {
	Person    Person
	Enrolment *Enrolment
	Account   *Account
}

// CheckHolder applies the holder rules: employee insurance (310) in
// Bortala, insured normally, alive, with a personal account that is
// neither frozen nor in arrears.
func CheckHolder(h Party, pools Pools) error {
	return checkHolder(h, pools, !h.Person.DeathDate.IsZero())
}

// CheckHolderOn is CheckHolder for money that moves for a day (a service
// date, a payment date): a death recorded after that day does not refuse.
func CheckHolderOn(h Party, pools Pools, on Date) error {
	return checkHolder(h, pools, diedBy(h.Person, on))
}

// diedBy reports whether the person's death is recorded on or before the
// day.
func diedBy(p Person, on Date) bool { return !p.DeathDate.IsZero() && !p.DeathDate.After(on) }

func checkHolder(h Party, pools Pools, dead bool) error {
	switch {
	case dead:
		return Errorf(CodeHolderDeceased, "the holder's death is recorded")
	case h.Enrolment == nil || h.Enrolment.Insutype != InsutypeEmployee:
		return Errorf(CodeHolderNotEmployeeInsured, "only an employee-insured person (310) can share a personal account")
	case !pools.InPrefecture(h.Enrolment.Admdvs):
		return Errorf(CodeHolderNotInPrefecture, "the holder must be insured in Bortala prefecture")
	case !h.Enrolment.IsNormal():
		return Errorf(CodeHolderInsuranceNotNormal, "the holder's insurance is %s, not normal", h.Enrolment.Status)
	case h.Enrolment.Arrears:
		return Errorf(CodeHolderInArrears, "the holder is in arrears")
	case h.Account == nil:
		return Errorf(CodeHolderNoAccount, "the holder has no personal account")
	case h.Account.Status == AccountFrozen:
		return Errorf(CodeHolderAccountFrozen, "the holder's personal account is frozen")
	}
	return nil
}

// CheckBeneficiary applies the beneficiary rules: not the holder, alive,
// insured normally in Xinjiang under basic insurance (310 or 390).
func CheckBeneficiary(holder IDNumber, b Party, pools Pools) error {
	return checkBeneficiary(holder, b, pools, !b.Person.DeathDate.IsZero())
}

// CheckBeneficiaryOn is CheckBeneficiary for money that moves for a day: a
// death recorded after that day does not refuse.
func CheckBeneficiaryOn(holder IDNumber, b Party, pools Pools, on Date) error {
	return checkBeneficiary(holder, b, pools, diedBy(b.Person, on))
}

func checkBeneficiary(holder IDNumber, b Party, pools Pools, dead bool) error {
	switch {
	case b.Person.IDNumber == holder:
		return Errorf(CodeSelfBinding, "a holder cannot bind themselves")
	case dead:
		return Errorf(CodeBeneficiaryDeceased, "the beneficiary's death is recorded")
	case b.Enrolment == nil:
		return Errorf(CodeBeneficiaryNotEnrolled, "the beneficiary is not insured")
	case b.Enrolment.Insutype != InsutypeEmployee && b.Enrolment.Insutype != InsutypeResident:
		return Errorf(CodeBeneficiaryInsutype, "the beneficiary must have basic insurance (310 or 390)")
	case !pools.InProvince(b.Enrolment.Admdvs):
		return Errorf(CodeBeneficiaryNotInProvince, "the beneficiary must be insured in Xinjiang")
	case !b.Enrolment.IsNormal():
		return Errorf(CodeBeneficiaryInsuranceAbnormal, "the beneficiary's insurance is %s, not normal", b.Enrolment.Status)
	}
	return nil
}

// CheckRelation refuses a relation the policy in force on the day does not
// allow.
func CheckRelation(r Relation, versions []RelationPolicy, on Date) error {
	p, ok := RelationPolicyOn(versions, on)
	if !ok || !p.Allows(r) {
		return Errorf(CodeRelationNotInForce, "the relation %s may not be bound under the policy in force", r).
			WithDetails(map[string]any{"relation": string(r)})
	}
	return nil
}
