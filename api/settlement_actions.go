package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/domain"
	"gongji/workflows"
)

// topupWait bounds a top-up update: a card charge may take two attempts
// and a reversal.
const topupWait = 30 * time.Second

// cancelWait is how long a cancellation is waited for before 202.
const cancelWait = 10 * time.Second

type topupRequestBody struct {
	Method    *string        `json:"method"`
	Amount    *domain.Amount `json:"amount"`
	ReceiptNo string         `json:"receipt_no"`
	CardToken string         `json:"card_token"`
}

// postTopup handles POST /v1/settlements/{id}/topup: the cashier's cash
// or card top-up, which must equal topup_due.
func (s *server) postTopup(c *gin.Context) error {
	st, err := s.loadSettlement(c)
	if err != nil {
		return err
	}
	var body topupRequestBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := requireFields(field{"method", body.Method != nil}, field{"amount", body.Amount != nil}); err != nil {
		return err
	}
	method, err := domain.ParseTopupMethod(*body.Method)
	if err != nil {
		return err
	}
	if method == domain.TopupBankCard {
		if err := requireFields(field{"card_token", body.CardToken != ""}); err != nil {
			return err
		}
	}
	if body.CardToken != "" {
		if err := domain.ValidateCardToken(body.CardToken); err != nil {
			return err
		}
	}
	if body.ReceiptNo != "" && domain.ValidateReference(body.ReceiptNo) != nil {
		return domain.Errorf(domain.CodeInvalidRequest, "receipt_no must be 1 to 64 letters, digits or -._:").
			WithDetails(map[string]any{"field": "receipt_no"})
	}
	if st.Status != domain.SettlementAwaitingTopup {
		return domain.Errorf(domain.CodeSettlementWrongState, "the settlement is %s, not awaiting a top-up", st.Status)
	}
	// A top-up just collected zeroes topup_due before the saga marks the
	// settlement completed: nothing is due any more, whatever the amount.
	if !st.TopupDue.IsPositive() {
		return domain.Errorf(domain.CodeSettlementWrongState, "the top-up has already been collected")
	}
	if !body.Amount.Equal(st.TopupDue.Decimal) {
		return domain.Errorf(domain.CodeTopupAmountMismatch, "the top-up must be exactly %s", st.TopupDue).
			WithDetails(map[string]any{"expected": st.TopupDue.String()})
	}
	req := workflows.TopupRequest{Method: method, Amount: *body.Amount, ReceiptNo: body.ReceiptNo, CardToken: body.CardToken}
	ctx, cancel := context.WithTimeout(c, topupWait)
	defer cancel()
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.SettlementWorkflowID(domain.InstitutionCode(st.Institution), st.VisitNo),
		UpdateName: workflows.UpdateTopup, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err := settlementError(err); err != nil {
		return err
	}
	return s.respondSettlementWhenSettled(c, st.ID, nil)
}

type cancelRequestBody struct {
	Reason *string `json:"reason"`
}

// postCancel handles POST /v1/settlements/{id}/cancel (退费): a completed
// settlement is reversed in full by the SettlementCancel workflow.
func (s *server) postCancel(c *gin.Context) error {
	st, err := s.loadSettlement(c)
	if err != nil {
		return err
	}
	var body cancelRequestBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := requireFields(field{"reason", body.Reason != nil}); err != nil {
		return err
	}
	if err := domain.ValidateReason(*body.Reason, true); err != nil {
		return err
	}
	if st.Status != domain.SettlementCompleted && st.Status != domain.SettlementCancelled {
		return domain.Errorf(domain.CodeSettlementWrongState, "only a completed settlement can be cancelled; it is %s", st.Status)
	}
	in := workflows.CancelInput{SettlementID: st.ID, Reason: *body.Reason}
	for _, p := range st.Payers {
		in.Payers = append(in.Payers, workflows.PaidBy{BindingID: p.BindingID, Holder: domain.IDNumber(p.Holder), Amount: p.Amount})
	}
	run, err := s.temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID:        workflows.SettlementCancelWorkflowID(domain.InstitutionCode(st.Institution), st.VisitNo),
		TaskQueue: s.taskQueue,
	}, workflows.SettlementCancel, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fromTemporal(err)
	}
	if run != nil {
		ctx, cancel := context.WithTimeout(c, cancelWait)
		defer cancel()
		if err := run.Get(ctx, nil); err != nil && ctx.Err() == nil {
			return fromTemporal(err)
		}
	}
	st, err = s.store.Settlement(c, st.ID)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if st.Status != domain.SettlementCancelled {
		status = http.StatusAccepted
		c.Header("Location", "/v1/settlements/"+st.ID)
	}
	c.JSON(status, toSettlementResponse(st))
	return nil
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
