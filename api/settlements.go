package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// settleWait is how long POST /v1/settlements waits for the saga to
// finish before answering 202.
const settleWait = 3 * time.Second

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

// settlementRequest is a POST body that passed validation.
type settlementRequest struct {
	VisitNo          string             `json:"visit_no"`
	Patient          domain.IDNumber    `json:"patient_id_number"`
	CertType         domain.CertType    `json:"cert_type"`
	MedicalType      domain.MedicalType `json:"medical_type"`
	ServiceDate      domain.Date        `json:"service_date"`
	Items            []domain.Item      `json:"items"`
	UseFamilyAccount bool               `json:"use_family_account"`
	TopupMethod      domain.TopupMethod `json:"topup_method"`
	CardToken        string             `json:"card_token"`
}

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

// postSettlement handles POST /v1/settlements: for a new visit the rules
// are checked first (a refusal takes nothing); then the saga
// settlement:<institution code>:<visit no> runs. The same visit again
// answers with the settlement already there, or 409 if the body differs.
func (s *server) postSettlement(c *gin.Context) error {
	req, err := s.parseSettlement(c)
	if err != nil {
		return err
	}
	institution := domain.InstitutionCode(principal(c).Subject)
	items, _ := json.Marshal(req.Items)
	hash, _ := json.Marshal(req)
	sum := sha256.Sum256(hash)
	total, medical, nonMedical := domain.BillTotals(req.Items)
	// A visit already recorded is answered as it stands (or its saga
	// started again) without the rules: they were checked when it was
	// accepted, and a retry must not read as "nothing was taken" because
	// something changed since.
	st, found, err := s.store.SettlementByVisit(c, string(institution), req.VisitNo)
	if err != nil {
		return err
	}
	if !found {
		patient, err := s.checkSettlementRules(c, institution, req)
		if err != nil {
			return err
		}
		st, _, err = s.store.CreateSettlement(c, db.Settlement{
			ID: uuid.NewString(), Institution: string(institution), VisitNo: req.VisitNo, Patient: string(req.Patient),
			CertType: string(req.CertType), MedicalType: string(req.MedicalType), ServiceDate: req.ServiceDate,
			Insutype: string(patient.Enrolment.Insutype), ItemsJSON: items, UseFamilyAccount: req.UseFamilyAccount,
			TopupMethod: string(req.TopupMethod), RequestHash: hex.EncodeToString(sum[:]), Total: total,
		})
		if err != nil {
			return err
		}
	}
	if st.RequestHash != hex.EncodeToString(sum[:]) {
		return domain.Errorf(domain.CodeSettlementConflict, "visit %s was already settled with another request", req.VisitNo).
			WithDetails(map[string]any{"settlement_id": st.ID})
	}
	var run client.WorkflowRun
	// A settlement that has not ended has its saga started again: a no-op
	// while its run is alive, a fresh run (every step idempotent on the
	// settlement id) if the last one failed, was terminated or never began.
	if !st.Status.IsFinal() {
		in := workflows.SettlementInput{
			SettlementID: st.ID, Institution: institution, Patient: req.Patient, Insutype: domain.Insutype(st.Insutype),
			MedicalType: req.MedicalType, ServiceDate: req.ServiceDate, Total: total, Medical: medical, NonMedical: nonMedical,
			UseFamilyAccount: req.UseFamilyAccount, TopupMethod: req.TopupMethod, CardToken: req.CardToken, TopupTimeout: s.topupTimeout,
		}
		if run, err = s.startSettlement(c, in, req.VisitNo); err != nil {
			return err
		}
	}
	return s.respondSettlementWhenSettled(c, st.ID, run)
}

// checkSettlementRules refuses a settlement as a whole, before anything is
// written, and returns the patient.
func (s *server) checkSettlementRules(ctx context.Context, code domain.InstitutionCode, req settlementRequest) (domain.Party, error) {
	sc := domain.SettlementCase{MedicalType: req.MedicalType, ServiceDate: req.ServiceDate, Today: s.today()}
	inst, found, err := s.store.Institution(ctx, code)
	if err != nil {
		return domain.Party{}, err
	}
	if found {
		sc.Institution = &inst
	}
	patient, found, err := s.party(ctx, req.Patient)
	if err != nil {
		return domain.Party{}, err
	}
	if found {
		sc.Patient = &patient
		if sc.Filings, err = s.store.Filings(ctx, req.Patient); err != nil {
			return domain.Party{}, err
		}
	}
	if err := domain.CheckSettlement(sc, domain.DefaultPools); err != nil {
		return domain.Party{}, err
	}
	if req.UseFamilyAccount {
		bindings, err := s.store.ActiveBindingsFor(ctx, req.Patient, req.ServiceDate)
		if err != nil {
			return domain.Party{}, err
		}
		if len(bindings) == 0 {
			return domain.Party{}, domain.Errorf(domain.CodeNoActiveBinding, "the patient has no family binding active on %s", req.ServiceDate)
		}
	}
	return patient, nil
}

// startSettlement starts the saga, or finds its run alive, and returns the
// run; nil when its last run has already closed.
func (s *server) startSettlement(c *gin.Context, in workflows.SettlementInput, visitNo string) (client.WorkflowRun, error) {
	run, err := s.temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID:                    workflows.SettlementWorkflowID(in.Institution, visitNo),
		TaskQueue:             s.taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		// Where a worker shares this client (gongji dev), the first
		// workflow task comes back with the start instead of a trip
		// through the task queue.
		EnableEagerStart: true,
	}, workflows.Settlement, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return nil, nil
	case err != nil:
		logger(c).Error("start settlement workflow", "settlement_id", in.SettlementID, "error", err)
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; send the same request again")
	}
	return run, nil
}

// respondSettlementWhenSettled answers 200 once the settlement is final,
// or 202 with Location if it is still running after settleWait. Given the
// saga's run, it first waits for the run to end on the Temporal server (a
// long poll that wakes the moment the run closes, with no database reads
// meanwhile); then, or without a run, it re-reads the database until the
// deadline.
func (s *server) respondSettlementWhenSettled(c *gin.Context, id string, run client.WorkflowRun) error {
	deadline := time.Now().Add(settleWait)
	if run != nil {
		ctx, cancel := context.WithDeadline(c, deadline)
		_ = run.Get(ctx, nil)
		cancel()
	}
	st, final, err := awaitFinal(c, time.Until(deadline), func() (db.Settlement, bool, error) {
		st, err := s.store.Settlement(c, id)
		return st, st.Status.IsFinal(), err
	})
	if err != nil {
		return err
	}
	if final {
		c.JSON(http.StatusOK, toSettlementResponse(st))
		return nil
	}
	c.Header("Location", "/v1/settlements/"+id)
	c.JSON(http.StatusAccepted, toSettlementResponse(st))
	return nil
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
	if p := principal(c); p.Role == domain.RoleInstitution && p.Subject != st.Institution {
		return db.Settlement{}, domain.Errorf(domain.CodeForbidden, "this settlement belongs to another institution")
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
