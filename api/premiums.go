package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// premiumWait is how long POST /v1/premium-payments waits for the saga to
// finish before answering 202.
const premiumWait = 3 * time.Second

type premiumResponse struct {
	Year   int           `json:"year"`
	Amount domain.Amount `json:"amount"`
}

// getPremium handles GET /v1/premiums/{year}: the resident premium of the
// year (policy data), for any role.
func (s *server) getPremium(c *gin.Context) error {
	year, err := domain.ParsePremiumYear(c.Param("year"))
	if err != nil {
		return err
	}
	p, err := s.store.Premium(c, year)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, premiumResponse{Year: p.Year, Amount: p.Amount})
	return nil
}

type postPremiumPaymentRequest struct {
	BeneficiaryIDNumber *string        `json:"beneficiary_id_number"`
	Year                *int           `json:"year"`
	Amount              *domain.Amount `json:"amount"`
}

// premiumPaymentRequest is a POST body that passed validation.
type premiumPaymentRequest struct {
	Beneficiary domain.IDNumber
	Year        int
	Amount      domain.Amount
}

func (s *server) parsePremiumPayment(c *gin.Context) (premiumPaymentRequest, error) {
	var req postPremiumPaymentRequest
	if err := decodeJSON(c, &req); err != nil {
		return premiumPaymentRequest{}, err
	}
	if err := requireFields(field{"beneficiary_id_number", req.BeneficiaryIDNumber != nil}, field{"year", req.Year != nil},
		field{"amount", req.Amount != nil}); err != nil {
		return premiumPaymentRequest{}, err
	}
	out := premiumPaymentRequest{Year: *req.Year, Amount: *req.Amount}
	var err error
	if out.Beneficiary, err = domain.ParseIDNumber(*req.BeneficiaryIDNumber, s.today()); err != nil {
		return premiumPaymentRequest{}, err
	}
	if err := domain.ValidatePremiumYear(out.Year); err != nil {
		return premiumPaymentRequest{}, err
	}
	if !out.Amount.IsPositive() {
		return premiumPaymentRequest{}, domain.Errorf(domain.CodeInvalidAmount, "amount must be more than 0.00").
			WithDetails(map[string]any{"field": "amount"})
	}
	return out, nil
}

// postPremiumPayment handles POST /v1/premium-payments: the holder pays a
// bound family member's resident premium from the shared account. The
// rules are checked in order before anything is written (see
// checkPremiumPayment); then the payment is stored as processing and the
// saga premium:<id> starts. The answer is 201 once it has ended within
// premiumWait, else 202 with Location.
func (s *server) postPremiumPayment(c *gin.Context) error {
	req, err := s.parsePremiumPayment(c)
	if err != nil {
		return err
	}
	holder := domain.IDNumber(principal(c).Subject)
	binding, err := s.checkPremiumPayment(c, holder, req)
	if err != nil {
		return err
	}
	// Once the row is written it must get its saga (or be removed), even
	// if the client goes away meanwhile.
	ctx := context.WithoutCancel(c.Request.Context())
	p := db.PremiumPayment{
		ID: uuid.NewString(), Holder: holder, Beneficiary: req.Beneficiary, BindingID: binding.ID, Year: req.Year,
		Amount: req.Amount, UsageYear: s.today().Year, CreatedAt: s.now(),
	}
	if err := s.store.CreatePremiumPayment(ctx, p); err != nil {
		return err
	}
	if err := s.startPremiumPayment(ctx, c, p); err != nil {
		return err
	}
	return s.respondPremiumWhenDone(c, p.ID)
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
func (s *server) checkPremiumPayment(ctx context.Context, holder domain.IDNumber, req premiumPaymentRequest) (domain.Binding, error) {
	premium, err := s.store.Premium(ctx, req.Year)
	if err != nil {
		return domain.Binding{}, err
	}
	if err := domain.CheckPremiumAmount(premium, req.Amount); err != nil {
		return domain.Binding{}, err
	}
	binding, found, err := s.store.ActiveBindingBetween(ctx, holder, req.Beneficiary, s.today())
	if err != nil {
		return domain.Binding{}, err
	}
	if !found {
		return domain.Binding{}, domain.Errorf(domain.CodeNoActiveBinding, "you have no active family binding with this person")
	}
	party, found, err := s.party(ctx, holder)
	if err != nil {
		return domain.Binding{}, err
	}
	if !found {
		return domain.Binding{}, domain.Errorf(domain.CodeHolderNotFound, "the insurance core system does not know the holder")
	}
	if err := domain.CheckHolder(party, domain.DefaultPools); err != nil {
		return domain.Binding{}, err
	}
	enrolment, enrolled, err := s.store.Enrolment(ctx, req.Beneficiary)
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
	if err := s.store.CheckPremiumUnpaid(ctx, req.Beneficiary, req.Year); err != nil {
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
func (s *server) startPremiumPayment(ctx context.Context, c *gin.Context, p db.PremiumPayment) error {
	in := workflows.PremiumInput{
		PaymentID: p.ID, Holder: p.Holder, Beneficiary: p.Beneficiary, BindingID: p.BindingID, Year: p.Year, Amount: p.Amount,
	}
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.PremiumWorkflowID(p.ID),
		TaskQueue:             s.taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.PremiumPayment, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &started) {
		return nil
	}
	logger(c).Error("start premium payment workflow", "payment_id", p.ID, "error", err)
	deleted, derr := s.store.DeleteUnstartedPremiumPayment(ctx, p.ID)
	if derr != nil {
		logger(c).Error("remove unstarted premium payment", "payment_id", p.ID, "error", derr)
	}
	if deleted || derr != nil {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was taken, send the payment again")
	}
	return nil
}

// respondPremiumWhenDone answers 201 once the payment has ended, or 202
// with Location if it is still processing after premiumWait.
func (s *server) respondPremiumWhenDone(c *gin.Context, id string) error {
	p, final, err := awaitFinal(c, premiumWait, func() (db.PremiumPayment, bool, error) {
		p, err := s.store.PremiumPayment(c, id)
		return p, p.Status.IsFinal(), err
	})
	if err != nil {
		return err
	}
	if final {
		c.JSON(http.StatusCreated, toPremiumPaymentResponse(p))
		return nil
	}
	c.Header("Location", "/v1/premium-payments/"+id)
	c.JSON(http.StatusAccepted, toPremiumPaymentResponse(p))
	return nil
}

// getPremiumPayment handles GET /v1/premium-payments/{id}: only the holder
// who paid may read it.
func (s *server) getPremiumPayment(c *gin.Context) error {
	id := c.Param("payment_id")
	if !isWellFormedID(id) {
		return domain.Errorf(domain.CodePremiumNotFound, "no such premium payment")
	}
	p, err := s.store.PremiumPayment(c, id)
	if err != nil {
		return err
	}
	if string(p.Holder) != principal(c).Subject {
		return domain.Errorf(domain.CodeForbidden, "this premium payment is another holder's")
	}
	c.JSON(http.StatusOK, toPremiumPaymentResponse(p))
	return nil
}

// premiumPaymentResponse is a premium payment as API.md describes it.
type premiumPaymentResponse struct {
	ID                  string           `json:"id"`
	Status              string           `json:"status"`
	HolderIDNumber      string           `json:"holder_id_number"`
	BeneficiaryIDNumber string           `json:"beneficiary_id_number"`
	BindingID           string           `json:"binding_id"`
	Year                int              `json:"year"`
	Amount              domain.Amount    `json:"amount"`
	Refusal             *refusalResponse `json:"refusal,omitempty"`
	CreatedAt           time.Time        `json:"created_at"`
	UpdatedAt           time.Time        `json:"updated_at"`
}

func toPremiumPaymentResponse(p db.PremiumPayment) premiumPaymentResponse {
	out := premiumPaymentResponse{
		ID: p.ID, Status: string(p.Status), HolderIDNumber: string(p.Holder), BeneficiaryIDNumber: string(p.Beneficiary),
		BindingID: p.BindingID, Year: p.Year, Amount: p.Amount,
		CreatedAt: p.CreatedAt.In(domain.Beijing), UpdatedAt: p.UpdatedAt.In(domain.Beijing),
	}
	if p.RefusalCode.Valid {
		out.Refusal = &refusalResponse{Code: p.RefusalCode.String, Message: p.RefusalMessage.String}
	}
	return out
}
