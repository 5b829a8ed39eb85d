package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

type putFilingRequest struct {
	AdmdvsTo   *string     `json:"admdvs_to"`
	ValidFrom  domain.Date `json:"valid_from"`
	ValidUntil domain.Date `json:"valid_until"`
}

type filingResponse struct {
	IDNumber   string      `json:"id_number"`
	FilingNo   string      `json:"filing_no"`
	AdmdvsTo   string      `json:"admdvs_to"`
	ValidFrom  domain.Date `json:"valid_from"`
	ValidUntil domain.Date `json:"valid_until"`
}

func toFilingResponse(f domain.Filing) filingResponse {
	return filingResponse{IDNumber: string(f.IDNumber), FilingNo: f.FilingNo, AdmdvsTo: string(f.AdmdvsTo), ValidFrom: f.ValidFrom, ValidUntil: f.ValidUntil}
}

// putFiling handles PUT /v1/persons/{id_number}/filings/{filing_no}.
func (s *server) putFiling(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	filingNo := c.Param("filing_no")
	if err := domain.ValidateFilingNo(filingNo); err != nil {
		return err
	}
	var req putFilingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"admdvs_to", req.AdmdvsTo != nil}, field{"valid_from", !req.ValidFrom.IsZero()},
		field{"valid_until", !req.ValidUntil.IsZero()}); err != nil {
		return err
	}
	to, err := domain.ParseAdmdvs(*req.AdmdvsTo)
	if err != nil {
		return err
	}
	f := domain.Filing{IDNumber: id, FilingNo: filingNo, AdmdvsTo: to, ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil}
	if err := f.Validate(); err != nil {
		return err
	}
	saved, err := s.store.PutFiling(c, f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toFilingResponse(saved))
	return nil
}
