package api

import (
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/db"
	"gongji/domain"
)

type itemRequest struct {
	Code     *string        `json:"code"`
	Name     *string        `json:"name"`
	Category *string        `json:"category"`
	Amount   *domain.Amount `json:"amount"`
}

type topupSpec struct {
	Method    *string `json:"method"`
	CardToken string  `json:"card_token"`
}

type postSettlementRequest struct {
	VisitNo          *string       `json:"visit_no"`
	PatientIDNumber  *string       `json:"patient_id_number"`
	CertType         *string       `json:"cert_type"`
	MedicalType      *string       `json:"medical_type"`
	ServiceDate      domain.Date   `json:"service_date"`
	Items            []itemRequest `json:"items"`
	UseFamilyAccount *bool         `json:"use_family_account"`
	Topup            *topupSpec    `json:"topup"`
}

// settlementRequest is a POST body that passed validation: app.Settle's
// input.
type settlementRequest = app.SettlementRequest

func (s *server) parseSettlement(c *gin.Context) (settlementRequest, error) {
	var req postSettlementRequest
	if err := decodeJSON(c, &req); err != nil {
		return settlementRequest{}, err
	}
	if err := requireFields(field{"visit_no", req.VisitNo != nil}, field{"patient_id_number", req.PatientIDNumber != nil},
		field{"cert_type", req.CertType != nil}, field{"medical_type", req.MedicalType != nil},
		field{"service_date", !req.ServiceDate.IsZero()}, field{"items", req.Items != nil},
		field{"use_family_account", req.UseFamilyAccount != nil}, field{"topup", req.Topup != nil && req.Topup.Method != nil}); err != nil {
		return settlementRequest{}, err
	}
	out := settlementRequest{VisitNo: *req.VisitNo, ServiceDate: req.ServiceDate, UseFamilyAccount: *req.UseFamilyAccount, CardToken: req.Topup.CardToken}
	var err error
	if err = domain.ValidateVisitNo(out.VisitNo); err != nil {
		return settlementRequest{}, err
	}
	if out.Patient, err = domain.ParseIDNumber(*req.PatientIDNumber, s.today()); err != nil {
		return settlementRequest{}, err
	}
	if out.CertType, err = domain.ParseCertType(*req.CertType); err != nil {
		return settlementRequest{}, err
	}
	if out.MedicalType, err = domain.ParseMedicalType(*req.MedicalType); err != nil {
		return settlementRequest{}, err
	}
	if out.TopupMethod, err = domain.ParseTopupMethod(*req.Topup.Method); err != nil {
		return settlementRequest{}, err
	}
	if out.CardToken != "" {
		if err := domain.ValidateCardToken(out.CardToken); err != nil {
			return settlementRequest{}, err
		}
	}
	for _, it := range req.Items {
		if err := requireFields(field{"items.code", it.Code != nil}, field{"items.name", it.Name != nil},
			field{"items.category", it.Category != nil}, field{"items.amount", it.Amount != nil}); err != nil {
			return settlementRequest{}, err
		}
		category, err := domain.ParseItemCategory(*it.Category)
		if err != nil {
			return settlementRequest{}, err
		}
		// The bill is stored as JSONB, which refuses a NUL character.
		if strings.ContainsFunc(*it.Name, unicode.IsControl) {
			return settlementRequest{}, domain.Errorf(domain.CodeInvalidRequest, "items.name must not hold control characters").
				WithDetails(map[string]any{"field": "items.name"})
		}
		out.Items = append(out.Items, domain.Item{Code: *it.Code, Name: *it.Name, Category: category, Amount: *it.Amount})
	}
	if err := domain.ValidateItems(out.Items); err != nil {
		return settlementRequest{}, err
	}
	return out, nil
}

// postSettlement handles POST /v1/settlements (app.Settle): 200 once the
// settlement is final, else 202 with Location.
func (s *server) postSettlement(c *gin.Context) error {
	req, err := s.parseSettlement(c)
	if err != nil {
		return err
	}
	res, err := s.app.Settle(c, principal(c), req, s.now())
	if err != nil {
		return err
	}
	respondSettlement(c, res)
	return nil
}

// respondSettlement answers 200 when the settlement is final, else 202
// with its Location.
func respondSettlement(c *gin.Context, res app.SettlementResult) {
	status := http.StatusOK
	if !res.Final {
		status = http.StatusAccepted
		c.Header("Location", "/v1/settlements/"+res.Settlement.ID)
	}
	c.JSON(status, toSettlementResponse(res.Settlement))
}

// loadSettlement reads the settlement in the path; an institution may
// only see its own.
func (s *server) loadSettlement(c *gin.Context) (db.Settlement, error) {
	id := c.Param("settlement_id")
	if !isWellFormedID(id) {
		return db.Settlement{}, domain.Errorf(domain.CodeSettlementNotFound, "no such settlement")
	}
	st, err := s.store.Settlement(c, id)
	if err != nil {
		return db.Settlement{}, err
	}
	if err := app.CheckInstitution(principal(c), st); err != nil {
		return db.Settlement{}, err
	}
	return st, nil
}

// getSettlement handles GET /v1/settlements/{id}.
func (s *server) getSettlement(c *gin.Context) error {
	st, err := s.loadSettlement(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toSettlementResponse(st))
	return nil
}

// listSettlements handles GET /v1/settlements?patient=&from=&to=: the
// calling institution's own visits, newest first.
func (s *server) listSettlements(c *gin.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	f := db.SettlementFilter{Institution: principal(c).Subject, After: after, Limit: limit}
	if raw := c.Query("patient"); raw != "" {
		if f.Patient, err = domain.ParseIDNumber(raw, s.today()); err != nil {
			return err
		}
	}
	for _, q := range []struct {
		name string
		dst  *domain.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if raw := c.Query(q.name); raw != "" {
			if *q.dst, err = domain.ParseDate(raw); err != nil {
				return err
			}
		}
	}
	list, err := s.store.ListSettlements(c, f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(list, limit, toSettlementResponse,
		func(st db.Settlement) (time.Time, string) { return st.CreatedAt, st.ID }))
	return nil
}
