package activities

import (
	"context"
	"database/sql"
	"fmt"

	"gongji/db"
	"gongji/domain"
	"gongji/external"
)

// Premiums are the side effects of the PremiumPayment workflow, each
// idempotent on the payment id.
type Premiums struct {
	Store     *db.Store
	Collector external.PremiumCollector
	Notifier  Notifier
}

// PremiumRef names a premium payment.
type PremiumRef struct {
	PaymentID string
}

// DebitPremium takes the premium from the holder's account in full, or
// refuses (INSUFFICIENT_BALANCE, LIMIT_EXCEEDED, NO_ACTIVE_BINDING,
// HOLDER_*); see db.Store.DebitPremium.
func (a *Premiums) DebitPremium(ctx context.Context, r PremiumRef) error {
	_, err := a.Store.DebitPremium(ctx, r.PaymentID)
	return asActivityError(err)
}

// RefundPremium gives the debit back; safe when nothing was taken.
func (a *Premiums) RefundPremium(ctx context.Context, r PremiumRef) error {
	_, err := a.Store.RefundPremium(ctx, r.PaymentID)
	return asActivityError(err)
}

// PremiumPosting is the premium to book with the collection system.
type PremiumPosting struct {
	PaymentID   string
	Beneficiary domain.IDNumber
	Year        int
	Amount      domain.Amount
}

// PostPremium books the premium with the collection system.
func (a *Premiums) PostPremium(ctx context.Context, p PremiumPosting) error {
	return asActivityError(a.Collector.Post(ctx, p.PaymentID, p.Beneficiary, p.Year, p.Amount))
}

// CancelPremiumPosting takes a booked premium back; safe when none was
// booked.
func (a *Premiums) CancelPremiumPosting(ctx context.Context, r PremiumRef) error {
	return asActivityError(a.Collector.Cancel(ctx, r.PaymentID))
}

// FinishPremiumPayment writes the payment's end.
func (a *Premiums) FinishPremiumPayment(ctx context.Context, o db.PremiumOutcome) error {
	return asActivityError(a.Store.FinishPremiumPayment(ctx, o))
}

// PremiumNotice asks for the paying holder to be told how a premium
// payment ended.
type PremiumNotice struct {
	PaymentID string
	Kind      domain.NoticeKind
	// RefusalCode says why the payment was reversed.
	RefusalCode domain.Code
	DedupKey    string
}

// NotifyPremiumHolder tells the holder whose premium of which year was
// paid (or not), how much, and the balance left.
func (a *Premiums) NotifyPremiumHolder(ctx context.Context, n PremiumNotice) error {
	p, err := a.Store.PremiumPayment(ctx, n.PaymentID)
	if domain.ErrorCode(err) == domain.CodePremiumNotFound {
		return nil // removed before its saga ran: nobody to tell
	}
	if err != nil {
		return asActivityError(err)
	}
	beneficiary, err := a.Store.Person(ctx, p.Beneficiary)
	if err != nil {
		return asActivityError(err)
	}
	account, err := a.Store.Account(ctx, p.Holder)
	if err != nil {
		return asActivityError(err)
	}
	title, body := domain.PremiumNoticeText(n.Kind, beneficiary.Name, p.Beneficiary, p.Year, p.Amount, account.Balance, n.RefusalCode)
	amount := p.Amount
	err = a.Notifier.Notify(ctx, db.Notification{
		Recipient: string(p.Holder), Kind: string(n.Kind), Title: title, Body: body,
		BindingID: sql.NullString{String: p.BindingID, Valid: true}, Amount: &amount, DedupKey: n.DedupKey,
	})
	if err != nil {
		return fmt.Errorf("notify holder: %w", err)
	}
	return nil
}
