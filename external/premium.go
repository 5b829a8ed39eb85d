package external

import (
	"context"

	"gongji/db"
	"gongji/domain"
)

// PremiumCollector is the resident-insurance collection system (征缴): it
// books a person's premium for a year as paid. Both calls are idempotent
// on the payment id.
type PremiumCollector interface {
	// Post books the premium; a premium of the person and year booked
	// under another payment is PREMIUM_ALREADY_PAID.
	Post(ctx context.Context, paymentID string, beneficiary domain.IDNumber, year int, amount domain.Amount) error
	// Cancel takes a booked premium back; it does nothing when none was
	// booked.
	Cancel(ctx context.Context, paymentID string) error
}

// Operation names for PremiumSimulator faults.
const (
	OpPremiumPost   = "premium.post"
	OpPremiumCancel = "premium.cancel"
)

// PremiumSimulator is the built-in collection system: it keeps postings in
// PostgreSQL (premium_postings) so that retries and cancellations are
// idempotent.
type PremiumSimulator struct {
	Store  *db.Store
	Faults *Faults
}

// Post books the premium once per payment id.
func (p PremiumSimulator) Post(ctx context.Context, paymentID string, beneficiary domain.IDNumber, year int, amount domain.Amount) error {
	if err := p.Faults.Check(OpPremiumPost); err != nil {
		return err
	}
	got, err := p.Store.BookPremiumPosting(ctx, db.PremiumPosting{PaymentID: paymentID, Beneficiary: beneficiary, Year: year, Amount: amount})
	if err != nil {
		return err
	}
	if got.Status != "posted" || got.Beneficiary != beneficiary || got.Year != year || !got.Amount.Equal(amount.Decimal) {
		// The same payment id was booked differently or taken back: a
		// retry cannot change that.
		return domain.Errorf(domain.CodeInternal, "payment %s is booked as %s %d %s (%s)", paymentID, got.Beneficiary.Masked(), got.Year, got.Amount, got.Status)
	}
	return nil
}

// Cancel marks the posting cancelled; unknown payment ids are fine.
func (p PremiumSimulator) Cancel(ctx context.Context, paymentID string) error {
	if err := p.Faults.Check(OpPremiumCancel); err != nil {
		return err
	}
	return p.Store.CancelPremiumPosting(ctx, paymentID)
}
