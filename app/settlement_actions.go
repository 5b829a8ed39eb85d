package app

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// topupWait bounds a top-up update: a card charge may take two attempts
// and a reversal.
const topupWait = 30 * time.Second

// cancelWait is how long a cancellation is waited for.
const cancelWait = 10 * time.Second

// CheckInstitution refuses an institution another institution's
// settlement. The API checks it on every read; the settlement use cases
// check it first.
func CheckInstitution(actor domain.Principal, st db.Settlement) error {
	if actor.Role == domain.RoleInstitution && actor.Subject != st.Institution {
		return domain.Errorf(domain.CodeForbidden, "this settlement belongs to another institution")
	}
	return nil
}

// TopupRequest is a cashier's top-up, well formed: a card top-up carries
// its card token.
type TopupRequest struct {
	Method    domain.TopupMethod
	Amount    domain.Amount
	ReceiptNo string
	CardToken string
}

// Topup is the cashier's cash or card top-up of st, which must equal its
// topup_due. It waits for the top-up's outcome, then up to settleWait for
// the settlement to end.
func (a *App) Topup(ctx context.Context, actor domain.Principal, st db.Settlement, req TopupRequest) (SettlementResult, error) {
	if err := CheckInstitution(actor, st); err != nil {
		return SettlementResult{}, err
	}
	if st.Status != domain.SettlementAwaitingTopup {
		return SettlementResult{}, domain.Errorf(domain.CodeSettlementWrongState, "the settlement is %s, not awaiting a top-up", st.Status)
	}
	// A top-up just collected zeroes topup_due before the saga marks the
	// settlement completed: nothing is due any more, whatever the amount.
	if !st.TopupDue.IsPositive() {
		return SettlementResult{}, domain.Errorf(domain.CodeSettlementWrongState, "the top-up has already been collected")
	}
	if !req.Amount.Equal(st.TopupDue.Decimal) {
		return SettlementResult{}, domain.Errorf(domain.CodeTopupAmountMismatch, "the top-up must be exactly %s", st.TopupDue).
			WithDetails(map[string]any{"expected": st.TopupDue.String()})
	}
	updateCtx, cancel := context.WithTimeout(ctx, topupWait)
	defer cancel()
	h, err := a.temporal.UpdateWorkflow(updateCtx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.SettlementWorkflowID(domain.InstitutionCode(st.Institution), st.VisitNo),
		UpdateName: workflows.UpdateTopup, Args: []any{workflows.TopupRequest(req)}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(updateCtx, nil)
	}
	if err := settlementError(err); err != nil {
		return SettlementResult{}, err
	}
	return a.awaitSettled(ctx, st.ID, nil)
}

// Cancel reverses st in full (退费) by the SettlementCancel workflow,
// waited for up to cancelWait; Final says it is cancelled. Only a
// completed settlement can be cancelled; a cancelled one is answered as
// it stands.
func (a *App) Cancel(ctx context.Context, actor domain.Principal, st db.Settlement, reason string) (SettlementResult, error) {
	if err := CheckInstitution(actor, st); err != nil {
		return SettlementResult{}, err
	}
	if err := domain.ValidateReason(reason, true); err != nil {
		return SettlementResult{}, err
	}
	if st.Status != domain.SettlementCompleted && st.Status != domain.SettlementCancelled {
		return SettlementResult{}, domain.Errorf(domain.CodeSettlementWrongState, "only a completed settlement can be cancelled; it is %s", st.Status)
	}
	in := workflows.CancelInput{SettlementID: st.ID, Reason: reason}
	for _, p := range st.Payers {
		in.Payers = append(in.Payers, workflows.PaidBy{BindingID: p.BindingID, Holder: domain.IDNumber(p.Holder), Amount: p.Amount})
	}
	run, err := a.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.SettlementCancelWorkflowID(domain.InstitutionCode(st.Institution), st.VisitNo),
		TaskQueue: a.taskQueue,
	}, workflows.SettlementCancel, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return SettlementResult{}, fromTemporal(err)
	}
	if run != nil {
		runCtx, cancel := context.WithTimeout(ctx, cancelWait)
		defer cancel()
		if err := run.Get(runCtx, nil); err != nil && runCtx.Err() == nil {
			return SettlementResult{}, fromTemporal(err)
		}
	}
	st, err = a.store.Settlement(ctx, st.ID)
	if err != nil {
		return SettlementResult{}, err
	}
	return SettlementResult{Settlement: st, Final: st.Status == domain.SettlementCancelled}, nil
}

// settlementError maps a top-up update's failure: a workflow that has
// ended is SETTLEMENT_WRONG_STATE, the rest as for any workflow call.
func settlementError(err error) error {
	if err == nil {
		return nil
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return domain.Errorf(domain.CodeSettlementWrongState, "the settlement is no longer waiting for a top-up")
	}
	return fromTemporal(err)
}
