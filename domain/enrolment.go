package domain

// Insutype is the national insurance-type code (险种类型).
type Insutype string

// The insurance types gongji distinguishes.
const (
	// InsutypeEmployee is employee basic medical insurance (职工基本医疗保险),
	// the only type with a shareable personal account.
	InsutypeEmployee Insutype = "310"
	// InsutypeResident is urban-rural resident basic medical insurance
	// (城乡居民基本医疗保险).
	InsutypeResident Insutype = "390"
)

// ParseInsutype accepts the basic insurance types the API takes, 310 and 390.
func ParseInsutype(s string) (Insutype, error) {
	switch t := Insutype(s); t {
	case InsutypeEmployee, InsutypeResident:
		return t, nil
	}
	return "", EnumError("insutype", s, "310", "390")
}

// EnrolmentStatus is a person's insurance status (参保状态).
type EnrolmentStatus string

// Enrolment statuses.
const (
	EnrolmentNormal     EnrolmentStatus = "normal"
	EnrolmentSuspended  EnrolmentStatus = "suspended"
	EnrolmentTerminated EnrolmentStatus = "terminated"
)

// ParseEnrolmentStatus accepts normal, suspended and terminated.
func ParseEnrolmentStatus(s string) (EnrolmentStatus, error) {
	switch st := EnrolmentStatus(s); st {
	case EnrolmentNormal, EnrolmentSuspended, EnrolmentTerminated:
		return st, nil
	}
	return "", EnumError("status", s, "normal", "suspended", "terminated")
}

// Enrolment is where and how a person is insured.
type Enrolment struct {
	IDNumber IDNumber
	Insutype Insutype
	Admdvs   Admdvs
	Status   EnrolmentStatus
	// Arrears marks unpaid contributions (欠费).
	Arrears bool
}

// IsNormal reports whether the person is insured normally (正常参保).
func (e Enrolment) IsNormal() bool { return e.Status == EnrolmentNormal }

// HasPersonalAccount reports whether the insurance type carries a personal
// account that can be shared.
func (e Enrolment) HasPersonalAccount() bool { return e.Insutype == InsutypeEmployee }

// EnumError refuses a value outside an enum, naming the field and the
// allowed values.
func EnumError(field, got string, allowed ...string) *Error {
	return Errorf(CodeInvalidEnumValue, "%s must be one of %v, not %q", field, allowed, truncate(got, 40)).
		WithDetails(map[string]any{"field": field, "allowed": allowed})
}
