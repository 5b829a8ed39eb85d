package app

import (
	"context"
	"time"

	"gongji/domain"
	"gongji/workflows"
)

// The binding use cases below act on b, the binding as the caller read it
// (with the usage of at's year), and return it as it stands afterwards.
// The workflow decides in the end: a request in the wrong state is refused
// by its update's validator, and leaves nothing in its history.

// Submit has the holder submit b for review.
func (a *App) Submit(ctx context.Context, actor domain.Principal, b domain.Binding, at time.Time) (domain.Binding, error) {
	if err := RequireHolder(actor, b); err != nil {
		return domain.Binding{}, err
	}
	// The workflow counts the documents it was told of; the stored ones are
	// checked too, in case an upload was removed after a failed update.
	if b.Status == domain.BindingAwaitingDocuments && len(b.Documents) == 0 {
		return domain.Binding{}, domain.Errorf(domain.CodeDocumentsRequired, "upload at least one relationship document before submitting")
	}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateSubmit, workflows.SubmitRequest{By: workflowActor(actor), At: at}); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, b.ID, at)
}

// Review is a reviewer's decision on b. A rejection or a request for
// documents must say why; an approval is refused while the beneficiary's
// consent is pending, and when the binding no longer passes the rules.
func (a *App) Review(ctx context.Context, actor domain.Principal, b domain.Binding, decision domain.ReviewDecision, reason string, at time.Time) (domain.Binding, error) {
	if err := domain.ValidateReason(reason, decision != domain.DecisionApprove); err != nil {
		return domain.Binding{}, err
	}
	if b.Status != domain.BindingUnderReview {
		// A binding never submitted is not the reviewer's to read: its
		// status is not told.
		if !CanRead(actor, b) {
			return domain.Binding{}, domain.Errorf(domain.CodeBindingWrongState, "the binding is not under review")
		}
		return domain.Binding{}, domain.Errorf(domain.CodeBindingWrongState, "the binding is %s, not under review", b.Status)
	}
	if decision == domain.DecisionApprove {
		if b.Consent == domain.ConsentPending {
			return domain.Binding{}, domain.Errorf(domain.CodeConsentRequired, "the beneficiary has not consented yet; the binding cannot be approved")
		}
		if err := a.checkApproval(ctx, b, domain.DateOf(at)); err != nil {
			return domain.Binding{}, err
		}
	}
	review := workflows.ReviewRequest{By: workflowActor(actor), Decision: decision, Reason: reason, At: at}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateReview, review); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, b.ID, at)
}

// checkApproval re-checks, at approval, what may have changed since the
// request: the validity end may have passed, and the holder or the
// beneficiary may no longer pass the rules (a frozen account, arrears, a
// lost or moved insurance, a death). The relation policy is not checked
// again: it held when the binding was requested.
func (a *App) checkApproval(ctx context.Context, b domain.Binding, today domain.Date) error {
	if until := b.Terms.ValidUntil; !until.IsZero() && until.Before(today) {
		return domain.Errorf(domain.CodeValidUntilInPast, "valid_until %s is already past; the binding cannot be approved", until)
	}
	return a.checkParties(ctx, b.Holder, b.Beneficiary)
}

// Consent is the beneficiary's answer to b: a beneficiary 16 or older
// when the binding was requested accepts or declines being bound. Only
// the beneficiary may answer, once.
func (a *App) Consent(ctx context.Context, actor domain.Principal, b domain.Binding, decision domain.ConsentDecision, at time.Time) (domain.Binding, error) {
	if actor.Subject != string(b.Beneficiary) {
		return domain.Binding{}, domain.Errorf(domain.CodeForbidden, "only the binding's beneficiary may answer it")
	}
	if !b.Status.IsLive() {
		return domain.Binding{}, domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", b.Status).
			WithDetails(map[string]any{"status": string(b.Status)})
	}
	if b.Consent != domain.ConsentPending {
		return domain.Binding{}, domain.Errorf(domain.CodeConsentNotPending, "the binding's consent is %s", b.Consent).
			WithDetails(map[string]any{"consent": string(b.Consent)})
	}
	answer := workflows.ConsentRequest{By: workflowActor(actor), Decision: decision, At: at}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateConsent, answer); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, b.ID, at)
}

// ChangeTerms has the holder give b new terms: a limit not below this
// year's usage, on a binding still live at.
func (a *App) ChangeTerms(ctx context.Context, actor domain.Principal, b domain.Binding, terms domain.Terms, at time.Time) (domain.Binding, error) {
	if err := RequireHolder(actor, b); err != nil {
		return domain.Binding{}, err
	}
	// New terms would revive a binding that has ended, by its timer or
	// only by the clock (past its validity, its timer not yet fired).
	if status := b.StatusAt(at); !status.IsLive() {
		return domain.Binding{}, domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status).
			WithDetails(map[string]any{"status": string(status)})
	}
	if err := domain.ValidateTerms(terms, domain.DateOf(at)); err != nil {
		return domain.Binding{}, err
	}
	if terms.AnnualLimit != nil && terms.AnnualLimit.LessThan(b.UsedThisYear.Decimal) {
		return domain.Binding{}, domain.Errorf(domain.CodeLimitBelowUsage, "the limit %s is below this year's usage %s", terms.AnnualLimit, b.UsedThisYear).
			WithDetails(map[string]any{"used_this_year": b.UsedThisYear.String()})
	}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateChangeTerms, workflows.TermsRequest{By: workflowActor(actor), Terms: terms, At: at}); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, b.ID, at)
}

// Unbind has the holder end b; the reason is optional.
func (a *App) Unbind(ctx context.Context, actor domain.Principal, b domain.Binding, reason string, at time.Time) (domain.Binding, error) {
	if err := RequireHolder(actor, b); err != nil {
		return domain.Binding{}, err
	}
	if err := domain.ValidateReason(reason, false); err != nil {
		return domain.Binding{}, err
	}
	if err := a.updateBinding(ctx, b.ID, workflows.UpdateUnbind, workflows.UnbindRequest{By: workflowActor(actor), Reason: reason, At: at}); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, b.ID, at)
}
