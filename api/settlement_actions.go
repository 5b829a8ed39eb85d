package api

import (
	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/domain"
)

type topupRequestBody struct {
	Method    *string        `json:"method"`
	Amount    *domain.Amount `json:"amount"`
	ReceiptNo string         `json:"receipt_no"`
	CardToken string         `json:"card_token"`
}

// postTopup handles POST /v1/settlements/{id}/topup (app.Topup): the
// cashier's cash or card top-up; 200 once the settlement is final, else
// 202 with Location.
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
	res, err := s.app.Topup(c, principal(c), st, app.TopupRequest{Method: method, Amount: *body.Amount, ReceiptNo: body.ReceiptNo, CardToken: body.CardToken})
	if err != nil {
		return err
	}
	respondSettlement(c, res)
	return nil
}

type cancelRequestBody struct {
	Reason *string `json:"reason"`
}

// postCancel handles POST /v1/settlements/{id}/cancel (退费, app.Cancel):
// 200 once the settlement is cancelled, else 202 with Location.
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
	res, err := s.app.Cancel(c, principal(c), st, *body.Reason)
	if err != nil {
		return err
	}
	respondSettlement(c, res)
	return nil
}
