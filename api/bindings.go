package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/domain"
)

type postBindingRequest struct {
	BeneficiaryIDNumber *string        `json:"beneficiary_id_number"`
	Relation            *string        `json:"relation"`
	AnnualLimit         *domain.Amount `json:"annual_limit"`
	ValidUntil          domain.Date    `json:"valid_until"`
}

// postBinding handles POST /v1/bindings: the caller, as holder, asks to
// bind a family member (app.RequestBinding).
func (s *server) postBinding(c *gin.Context) error {
	var req postBindingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"beneficiary_id_number", req.BeneficiaryIDNumber != nil}, field{"relation", req.Relation != nil}); err != nil {
		return err
	}
	at := s.now()
	beneficiaryID, err := domain.ParseIDNumber(*req.BeneficiaryIDNumber, domain.DateOf(at))
	if err != nil {
		return err
	}
	relation, err := domain.ParseRelation(*req.Relation)
	if err != nil {
		return err
	}
	b, err := s.app.RequestBinding(c, principal(c), app.BindingRequest{
		Beneficiary: beneficiaryID, Relation: relation, Terms: domain.Terms{AnnualLimit: req.AnnualLimit, ValidUntil: req.ValidUntil},
	}, at)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toBindingResponse(b, at))
	return nil
}
