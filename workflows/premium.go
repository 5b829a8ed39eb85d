package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// PremiumPayment is the saga that pays a bound family member's resident
// premium from the holder's shared account: debit the premium in full,
// then book it with the collection system. Each step registers its
// compensation before it runs (refund the debit, cancel the booking). If a
// step fails for good — a refusal, or the collection system not booking
// the premium within premiumPostAttempts attempts — the compensations run
// newest first on a disconnected context and the payment ends reversed
// with the refusal. The holder's notices are written by the debit and the
// refund in their own ledger transactions, so the saga sends none.
func PremiumPayment(ctx workflow.Context, in PremiumInput) error {
	p := &premiumSaga{in: in, st: PremiumState{Status: domain.PremiumProcessing}}
	if err := workflow.SetQueryHandler(ctx, QueryPremiumState, func() (PremiumState, error) { return p.st, nil }); err != nil {
		return err
	}
	return p.run(ctx)
}

type premiumSaga struct {
	in PremiumInput
	st PremiumState
	saga
}

func (p *premiumSaga) run(ctx workflow.Context) error {
	err := p.pay(ctx)
	if err == nil {
		return p.finish(ctx, domain.PremiumCompleted, nil)
	}
	refusal, ok := temporalerr.ToDomain(err)
	if !ok {
		refusal = domain.Errorf(domain.CodeInternal, "the premium payment could not be completed")
		workflow.GetLogger(ctx).Error("premium payment failed", "error", err)
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	p.compensate(dctx)
	return p.finish(dctx, domain.PremiumReversed, refusal)
}

// pay runs the forward steps.
func (p *premiumSaga) pay(ctx workflow.Context) error {
	ref := domain.PremiumRef{PaymentID: p.in.PaymentID}
	p.push(func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, ActivityRefundPremium, ref).Get(ctx, nil)
	})
	if err := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityDebitPremium, ref).Get(ctx, nil); err != nil {
		return err
	}
	p.st.Debited = true
	// A booking whose answer was lost may have happened: cancel it too.
	p.push(func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, ActivityCancelPremiumPosting, ref).Get(ctx, nil)
	})
	posting := domain.PremiumPosting{PaymentID: p.in.PaymentID, Beneficiary: p.in.Beneficiary, Year: p.in.Year, Amount: p.in.Amount}
	if err := workflow.ExecuteActivity(withPostOptions(ctx), ActivityPostPremium, posting).Get(ctx, nil); err != nil {
		if _, ok := temporalerr.ToDomain(err); ok {
			return err
		}
		workflow.GetLogger(ctx).Warn("the collection system did not book the premium", "attempts", premiumPostAttempts, "error", err)
		return temporalerr.FromDomain(domain.Errorf(domain.CodeUnavailable,
			"the resident-insurance collection system did not book the premium after %d attempts", premiumPostAttempts))
	}
	return nil
}

func (p *premiumSaga) finish(ctx workflow.Context, status domain.PremiumPaymentStatus, refusal *domain.Error) error {
	p.st.Status = status
	o := domain.PremiumOutcome{ID: p.in.PaymentID, Status: status, At: workflow.Now(ctx)}
	if refusal != nil {
		o.RefusalCode, o.RefusalMessage = string(refusal.Code), refusal.Message
		p.st.RefusalCode, p.st.RefusalMessage = refusal.Code, refusal.Message
	}
	return workflow.ExecuteActivity(withActivityOptions(ctx), ActivityFinishPremiumPayment, o).Get(ctx, nil)
}

// withPostOptions gives the collection system premiumPostAttempts
// ten-second attempts, about 15 s apart in all; a refusal is not retried.
func withPostOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
			MaximumAttempts:    premiumPostAttempts,
		},
	})
}
