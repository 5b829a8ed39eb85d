package activities

import (
	"context"

	"gongji/db"
	"gongji/domain"
	"gongji/external"
)

// Premiums are the side effects of the PremiumPayment workflow, each
// idempotent on the payment id. The holder's notices are written by the
// debit and the refund themselves, in their ledger transactions.
type Premiums struct {
	Store     premiumStore
	Collector external.PremiumCollector
}

// premiumStore is what the premium activities write (*db.Store).
type premiumStore interface {
	DebitPremium(ctx context.Context, paymentID string) (db.Entry, error)
	RefundPremium(ctx context.Context, paymentID string) (domain.Amount, error)
	FinishPremiumPayment(ctx context.Context, o domain.PremiumOutcome) error
}

// DebitPremium takes the premium from the holder's account in full, or
// refuses (INSUFFICIENT_BALANCE, LIMIT_EXCEEDED, NO_ACTIVE_BINDING,
// HOLDER_*); see db.Store.DebitPremium.
func (a *Premiums) DebitPremium(ctx context.Context, r domain.PremiumRef) error {
	_, err := a.Store.DebitPremium(ctx, r.PaymentID)
	return asActivityError(err)
}

// RefundPremium gives the debit back; safe when nothing was taken.
func (a *Premiums) RefundPremium(ctx context.Context, r domain.PremiumRef) error {
	_, err := a.Store.RefundPremium(ctx, r.PaymentID)
	return asActivityError(err)
}

// PostPremium books the premium with the collection system.
func (a *Premiums) PostPremium(ctx context.Context, p domain.PremiumPosting) error {
	return asActivityError(a.Collector.Post(ctx, p.PaymentID, p.Beneficiary, p.Year, p.Amount))
}

// CancelPremiumPosting takes a booked premium back; safe when none was
// booked.
func (a *Premiums) CancelPremiumPosting(ctx context.Context, r domain.PremiumRef) error {
	return asActivityError(a.Collector.Cancel(ctx, r.PaymentID))
}

// FinishPremiumPayment writes the payment's end.
func (a *Premiums) FinishPremiumPayment(ctx context.Context, o domain.PremiumOutcome) error {
	return asActivityError(a.Store.FinishPremiumPayment(ctx, o))
}
