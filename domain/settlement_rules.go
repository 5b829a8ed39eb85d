package domain

// SettlementCase is what the settlement rules read: where, what, for whom
// and when.
type SettlementCase struct {
	Institution *Institution
	MedicalType MedicalType
	// Patient is nil when the core system does not know the patient.
	Patient     *Party
	Filings     []Filing
	ServiceDate Date
	Today       Date
}

// CheckSettlement applies the rules that refuse a settlement as a whole,
// before anything is taken: the institution must be known and designated
// and fit the care, the service date not in the future, the patient alive
// and insured normally, and care outside Xinjiang covered by a filing
// (异地就医备案) valid on the service date.
func CheckSettlement(c SettlementCase, pools Pools) error {
	switch {
	case c.Institution == nil:
		return Errorf(CodeInstitutionUnknown, "the institution is not known to the insurance core system")
	case !c.Institution.Designated:
		return Errorf(CodeInstitutionNotDesignated, "%s is not a designated institution", c.Institution.Name)
	case !c.MedicalType.FitsInstitution(c.Institution.Kind):
		return Errorf(CodeMedicalTypeNotAtInstitution, "%s care cannot be settled at a %s", c.MedicalType, c.Institution.Kind)
	case c.ServiceDate.After(c.Today):
		return Errorf(CodeServiceDateInFuture, "the service date %s is in the future", c.ServiceDate)
	case c.Patient == nil:
		return Errorf(CodePatientNotFound, "the insurance core system does not know the patient")
	case !c.Patient.Person.DeathDate.IsZero() && c.Patient.Person.DeathDate.Before(c.ServiceDate):
		return Errorf(CodePatientDeceased, "the patient's death is recorded before the service date")
	case c.Patient.Enrolment == nil || !c.Patient.Enrolment.IsNormal():
		return Errorf(CodePatientInsuranceNotNormal, "the patient is not insured normally")
	case !pools.InProvince(c.Institution.Admdvs) && !anyFilingCovers(c.Filings, c.Institution.Admdvs, c.ServiceDate):
		return Errorf(CodeOutOfProvinceWithoutFiling, "care outside Xinjiang needs a filing (异地就医备案) valid on %s", c.ServiceDate)
	}
	return nil
}

func anyFilingCovers(filings []Filing, a Admdvs, d Date) bool {
	for _, f := range filings {
		if f.Covers(a, d) {
			return true
		}
	}
	return false
}
