package workflows

import (
	"go.temporal.io/sdk/workflow"

	"gongji/domain"
)

// SettlementCancel reverses a completed settlement (退费): the top-up is
// paid back, each shared-account debit refunded (and its binding's yearly
// usage restored), newest payer first, and the fund's share cancelled;
// then the settlement is marked cancelled. Every step is idempotent and
// retried until it succeeds. Each refund tells its holder in the ledger
// transaction.
func SettlementCancel(ctx workflow.Context, in CancelInput) error {
	actx := withActivityOptions(ctx)
	ref := func(bindingID string) domain.SettlementStep {
		return domain.SettlementStep{SettlementID: in.SettlementID, BindingID: bindingID, At: workflow.Now(ctx)}
	}
	if err := workflow.ExecuteActivity(actx, ActivityRefundTopup, ref("")).Get(ctx, nil); err != nil {
		return err
	}
	for i := len(in.Payers) - 1; i >= 0; i-- {
		if err := workflow.ExecuteActivity(actx, ActivityRefundSharedAccount, ref(in.Payers[i].BindingID)).Get(ctx, nil); err != nil {
			return err
		}
	}
	if err := workflow.ExecuteActivity(actx, ActivityCancelFund, ref("")).Get(ctx, nil); err != nil {
		return err
	}
	rec := domain.CancelRecord{SettlementID: in.SettlementID, Reason: in.Reason, At: workflow.Now(ctx)}
	return workflow.ExecuteActivity(actx, ActivityMarkCancelled, rec).Get(ctx, nil)
}
