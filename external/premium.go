package external

import (
	"context"

	"gongji/domain"
)

// PremiumCollector is the resident-insurance collection system (征缴): it
// says what a year's premium is and books a person's premium for a year
// as paid. Post and Cancel are idempotent on the payment id.
type PremiumCollector interface {
	// Post books the premium; a premium of the person and year booked
	// under another payment is PREMIUM_ALREADY_PAID.
	Post(ctx context.Context, paymentID string, beneficiary domain.IDNumber, year int, amount domain.Amount) error
	// Cancel takes a booked premium back; it does nothing when none was
	// booked.
	Cancel(ctx context.Context, paymentID string) error
	// Premium is the resident premium of a year, the collection system's
	// policy data; PREMIUM_NOT_FOUND when it has none.
	Premium(ctx context.Context, year int) (domain.Premium, error)
}

// Operation names of the collection system, for Faults.
const (
	OpPremiumPost   = "premium.post"
	OpPremiumCancel = "premium.cancel"
)
