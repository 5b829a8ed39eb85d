package domain

import "regexp"

var institutionCodePattern = regexp.MustCompile(`^[HP][1-9][0-9]{5}[0-9]{5}$`)

// InstitutionCode is a 12-character designated-institution code: H (hospital)
// or P (pharmacy), the 6-digit division, a 5-digit sequence.
type InstitutionCode string

// ParseInstitutionCode validates a 12-character institution code.
func ParseInstitutionCode(s string) (InstitutionCode, error) {
	if !institutionCodePattern.MatchString(s) {
		return "", Errorf(CodeInvalidInstitutionCode, "%q is not an institution code such as H65270100001", truncate(s, 20))
	}
	return InstitutionCode(s), nil
}

// Kind returns the kind the code's letter names.
func (c InstitutionCode) Kind() InstitutionKind {
	if c[0] == 'P' {
		return InstitutionPharmacy
	}
	return InstitutionHospital
}

// Admdvs returns the division the code names.
func (c InstitutionCode) Admdvs() Admdvs { return Admdvs(c[1:7]) }

// InstitutionKind is a hospital (定点医院) or a pharmacy (定点零售药店).
type InstitutionKind string

// Institution kinds.
const (
	InstitutionHospital InstitutionKind = "hospital"
	InstitutionPharmacy InstitutionKind = "pharmacy"
)

// ParseInstitutionKind accepts hospital and pharmacy.
func ParseInstitutionKind(s string) (InstitutionKind, error) {
	switch k := InstitutionKind(s); k {
	case InstitutionHospital, InstitutionPharmacy:
		return k, nil
	}
	return "", EnumError("kind", s, "hospital", "pharmacy")
}

// Institution is a medical institution or pharmacy.
type Institution struct {
	Code       InstitutionCode
	Name       string
	Kind       InstitutionKind
	Admdvs     Admdvs
	Designated bool
}

// Validate checks that the code is well formed and that the kind and
// division agree with it.
func (i Institution) Validate() error {
	if _, err := ParseInstitutionCode(string(i.Code)); err != nil {
		return err
	}
	if i.Kind != i.Code.Kind() {
		return Errorf(CodeInvalidRequest, "institution %s is a %s by its code, not a %s", i.Code, i.Code.Kind(), i.Kind).
			WithDetails(map[string]any{"field": "kind"})
	}
	if i.Admdvs != i.Code.Admdvs() {
		return Errorf(CodeInvalidAdmdvs, "institution %s lies in %s by its code, not in %s", i.Code, i.Code.Admdvs(), i.Admdvs).
			WithDetails(map[string]any{"field": "admdvs"})
	}
	return ValidateName("name", i.Name)
}
