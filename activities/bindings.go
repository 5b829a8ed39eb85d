package activities

import (
	"context"
	"database/sql"
	"fmt"

	"gongji/db"
	"gongji/domain"
)

// Bindings are the side effects of the BindingLifecycle workflow: writing
// the read model and telling the holder.
type Bindings struct {
	Store    bindingStore
	Notifier Notifier
}

// bindingStore is what the binding activities read and write (*db.Store).
type bindingStore interface {
	TransitionBinding(ctx context.Context, t domain.BindingTransition) error
	ChangeTerms(ctx context.Context, c domain.TermsChange) error
	RecordConsent(ctx context.Context, a domain.ConsentAnswer) error
	Binding(ctx context.Context, id string, year int) (domain.Binding, error)
	Person(ctx context.Context, id domain.IDNumber) (domain.Person, error)
}

// RecordTransition writes a status change and its history entry;
// idempotent on the transition's event key.
func (a *Bindings) RecordTransition(ctx context.Context, t domain.BindingTransition) error {
	return asActivityError(a.Store.TransitionBinding(ctx, t))
}

// RecordTerms writes a change of limit or validity; idempotent on the
// change's event key.
func (a *Bindings) RecordTerms(ctx context.Context, c domain.TermsChange) error {
	return asActivityError(a.Store.ChangeTerms(ctx, c))
}

// RecordConsent writes a beneficiary's answer (a decline ends the
// binding); idempotent on the answer's event key.
func (a *Bindings) RecordConsent(ctx context.Context, c domain.ConsentAnswer) error {
	return asActivityError(a.Store.RecordConsent(ctx, c))
}

// NotifyHolder tells the binding's holder about an event, once per dedup
// key.
func (a *Bindings) NotifyHolder(ctx context.Context, n domain.BindingNotice) error {
	b, err := a.Store.Binding(ctx, n.BindingID, 0)
	if err != nil {
		return asActivityError(err)
	}
	beneficiary, err := a.Store.Person(ctx, b.Beneficiary)
	if err != nil {
		return asActivityError(err)
	}
	text := domain.BindingNoticeText(n.Kind, beneficiary.Name, b, n.Reason)
	err = a.Notifier.Notify(ctx, db.Notification{
		Recipient: string(b.Holder), Kind: string(n.Kind),
		BindingID: sql.NullString{String: b.ID, Valid: true}, DedupKey: n.DedupKey,
	}.WithText(text))
	if err != nil {
		return fmt.Errorf("notify holder: %w", err)
	}
	return nil
}
