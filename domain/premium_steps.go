package domain

import "time"

// The messages the premium saga hands its activities. Their field names
// are the JSON of recorded workflow histories: rename none.

// PremiumRef names a premium payment.
type PremiumRef struct {
	PaymentID string
}

// PremiumPosting is the premium to book with the collection system.
type PremiumPosting struct {
	PaymentID   string
	Beneficiary IDNumber
	Year        int
	Amount      Amount
}

// PremiumOutcome is how a premium payment ended.
type PremiumOutcome struct {
	ID             string
	Status         PremiumPaymentStatus
	RefusalCode    string
	RefusalMessage string
	At             time.Time
}
