package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/db"
	"gongji/domain"
)

type premiumResponse struct {
	Year   int           `json:"year"`
	Amount domain.Amount `json:"amount"`
}

// getPremium handles GET /v1/premiums/{year}: the resident premium of the
// year (the collection system's policy data), for any role.
func (s *server) getPremium(c *gin.Context) error {
	year, err := domain.ParsePremiumYear(c.Param("year"))
	if err != nil {
		return err
	}
	p, err := s.app.Premium(c, year)
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

// premiumPaymentRequest is a POST body that passed validation:
// app.PayPremium's input.
type premiumPaymentRequest = app.PremiumRequest

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

// postPremiumPayment handles POST /v1/premium-payments (app.PayPremium):
// the holder pays a bound family member's resident premium from the
// shared account. The answer is 201 once the payment has ended, else 202
// with Location.
func (s *server) postPremiumPayment(c *gin.Context) error {
	req, err := s.parsePremiumPayment(c)
	if err != nil {
		return err
	}
	res, err := s.app.PayPremium(c, principal(c), req, s.now())
	if err != nil {
		return err
	}
	if !res.Final {
		c.Header("Location", "/v1/premium-payments/"+res.Payment.ID)
		c.JSON(http.StatusAccepted, toPremiumPaymentResponse(res.Payment))
		return nil
	}
	c.JSON(http.StatusCreated, toPremiumPaymentResponse(res.Payment))
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
