package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// premiumWait is how long PayPremium waits for the saga to finish.
const premiumWait = 3 * time.Second

// PremiumRequest is a holder's payment of a family member's resident
// premium, well formed: a positive amount for a year gongji knows.
type PremiumRequest struct {
	Beneficiary domain.IDNumber
	Year        int
	Amount      domain.Amount
}

// Premium is the resident premium of a year, as the collection system's
// policy data says; PREMIUM_NOT_FOUND when it has none.
func (a *App) Premium(ctx context.Context, year int) (domain.Premium, error) {
	return a.premiums.Premium(ctx, year)
}

// PremiumResult is a premium payment as it stood when PayPremium stopped
// waiting; Final says whether it had ended.
type PremiumResult struct {
	Payment db.PremiumPayment
	Final   bool
}

// PayPremium has the actor, as holder, pay a bound family member's
// resident premium from the shared account. The rules are checked in
// order before anything is written (see checkPremiumPayment); then the
// payment is stored as processing and the saga premium:<id> starts, and
// is waited for up to premiumWait.
func (a *App) PayPremium(ctx context.Context, actor domain.Principal, req PremiumRequest, at time.Time) (PremiumResult, error) {
	holder := domain.IDNumber(actor.Subject)
	today := domain.DateOf(at)
	binding, err := a.checkPremiumPayment(ctx, holder, req, today)
	if err != nil {
		return PremiumResult{}, err
	}
	// Once the row is written it must get its saga (or be removed), even
	// if the caller goes away meanwhile.
	detached := context.WithoutCancel(ctx)
	p := db.PremiumPayment{
		ID: uuid.NewString(), Holder: holder, Beneficiary: req.Beneficiary, BindingID: binding.ID, Year: req.Year,
		Amount: req.Amount, UsageYear: today.Year, CreatedAt: at,
	}
	if err := a.store.CreatePremiumPayment(detached, p); err != nil {
		return PremiumResult{}, err
	}
	if err := a.startPremiumPayment(detached, p); err != nil {
		return PremiumResult{}, err
	}
	stood, final, err := awaitFinal(ctx, premiumWait, func() (db.PremiumPayment, bool, error) {
		p, err := a.store.PremiumPayment(ctx, p.ID)
		return p, p.Status.IsFinal(), err
	})
	if err != nil {
		return PremiumResult{}, err
	}
	return PremiumResult{Payment: stood, Final: final}, nil
}

// checkPremiumPayment applies the rules in the documented order and
// returns the binding that pays: the premium of the year exists
// (PREMIUM_NOT_FOUND) and is the amount sent (PREMIUM_AMOUNT_MISMATCH),
// the holder has an active binding to the beneficiary today
// (NO_ACTIVE_BINDING), the holder may pay (HOLDER_*), the beneficiary is
// resident-insured (BENEFICIARY_NOT_RESIDENT_INSURED), the premium is not
// paid or being paid (PREMIUM_ALREADY_PAID), and the balance and what is
// left of the binding's yearly limit cover it in full
// (INSUFFICIENT_BALANCE, LIMIT_EXCEEDED; the debit checks these again
// under locks).
func (a *App) checkPremiumPayment(ctx context.Context, holder domain.IDNumber, req PremiumRequest, today domain.Date) (domain.Binding, error) {
	premium, err := a.premiums.Premium(ctx, req.Year)
	if err != nil {
		return domain.Binding{}, err
	}
	if err := domain.CheckPremiumAmount(premium, req.Amount); err != nil {
		return domain.Binding{}, err
	}
	binding, found, err := a.store.ActiveBindingBetween(ctx, holder, req.Beneficiary, today)
	if err != nil {
		return domain.Binding{}, err
	}
	if !found {
		return domain.Binding{}, domain.Errorf(domain.CodeNoActiveBinding, "you have no active family binding with this person")
	}
	party, found, err := a.party(ctx, holder)
	if err != nil {
		return domain.Binding{}, err
	}
	if !found {
		return domain.Binding{}, domain.Errorf(domain.CodeHolderNotFound, "the insurance core system does not know the holder")
	}
	if err := domain.CheckHolder(party, domain.DefaultPools); err != nil {
		return domain.Binding{}, err
	}
	enrolment, enrolled, err := a.store.Enrolment(ctx, req.Beneficiary)
	if err != nil {
		return domain.Binding{}, err
	}
	var e *domain.Enrolment
	if enrolled {
		e = &enrolment
	}
	if err := domain.CheckPremiumBeneficiary(e); err != nil {
		return domain.Binding{}, err
	}
	if err := a.store.CheckPremiumUnpaid(ctx, req.Beneficiary, req.Year); err != nil {
		return domain.Binding{}, err
	}
	if err := domain.CheckPremiumDebit(req.Amount, party.Account.Balance, binding.Terms.AnnualLimit, binding.UsedThisYear); err != nil {
		return domain.Binding{}, err
	}
	return binding, nil
}

// startPremiumPayment starts the saga. If Temporal refuses the start, the
// payment is removed again (nothing was taken) and the answer is
// UNAVAILABLE; if it was debited meanwhile, the saga did start and runs on.
func (a *App) startPremiumPayment(ctx context.Context, p db.PremiumPayment) error {
	in := workflows.PremiumInput{
		PaymentID: p.ID, Holder: p.Holder, Beneficiary: p.Beneficiary, BindingID: p.BindingID, Year: p.Year, Amount: p.Amount,
	}
	_, err := a.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.PremiumWorkflowID(p.ID),
		TaskQueue:             a.taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.PremiumPayment, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &started) {
		return nil
	}
	Logger(ctx).Error("start premium payment workflow", "payment_id", p.ID, "error", err)
	deleted, derr := a.store.DeleteUnstartedPremiumPayment(ctx, p.ID)
	if derr != nil {
		Logger(ctx).Error("remove unstarted premium payment", "payment_id", p.ID, "error", derr)
	}
	if deleted || derr != nil {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was taken, send the payment again")
	}
	return nil
}
