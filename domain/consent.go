package domain

// Consent is where a beneficiary's agreement to being bound stands. The
// holder sees an adult's visits, institutions and amounts, so a
// beneficiary aged ConsentAge or more accepts the binding in their own
// account before it can be approved; a younger one is bound directly.
type Consent string

// Consent states.
const (
	ConsentNotRequired Consent = "not_required"
	ConsentPending     Consent = "pending"
	ConsentAccepted    Consent = "accepted"
	ConsentDeclined    Consent = "declined"
)

// ConsentAge is the age, in completed years on the day of the request,
// from which a beneficiary must consent (Xinjiang practice).
const ConsentAge = 16

// ConsentOnRequest is the consent a binding of the beneficiary requested
// on the given day starts with: pending from ConsentAge on, else not
// required.
func ConsentOnRequest(beneficiary IDNumber, on Date) Consent {
	if beneficiary.AgeOn(on) >= ConsentAge {
		return ConsentPending
	}
	return ConsentNotRequired
}

// ConsentDecision is the beneficiary's answer.
type ConsentDecision string

// Consent decisions.
const (
	ConsentAccept  ConsentDecision = "accept"
	ConsentDecline ConsentDecision = "decline"
)

// ParseConsentDecision accepts accept and decline.
func ParseConsentDecision(s string) (ConsentDecision, error) {
	switch d := ConsentDecision(s); d {
	case ConsentAccept, ConsentDecline:
		return d, nil
	}
	return "", EnumError("decision", s, "accept", "decline")
}

// Consent is the consent the decision gives.
func (d ConsentDecision) Consent() Consent {
	if d == ConsentAccept {
		return ConsentAccepted
	}
	return ConsentDeclined
}
