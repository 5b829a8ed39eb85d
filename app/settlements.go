package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// settleWait is how long Settle and Topup wait for the saga to finish.
const settleWait = 3 * time.Second

// SettlementRequest is a visit's bill as an institution sends it, well
// formed. Its JSON form is hashed into the settlement's request hash, so
// that the same visit sent again with another bill is told apart: its
// field names and order are part of the stored data.
type SettlementRequest struct {
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

// SettlementResult is a settlement as it stood when the use case stopped
// waiting; Final says whether it had ended (for Cancel: was cancelled).
type SettlementResult struct {
	Settlement db.Settlement
	Final      bool
}

// Settle settles a visit for the actor, an institution: for a new visit
// the rules are checked first (a refusal takes nothing); then the saga
// settlement:<institution code>:<visit no> runs, and is waited for up to
// settleWait. The same visit again answers with the settlement already
// there, or SETTLEMENT_CONFLICT if the bill differs.
func (a *App) Settle(ctx context.Context, actor domain.Principal, req SettlementRequest, at time.Time) (SettlementResult, error) {
	institution := domain.InstitutionCode(actor.Subject)
	items, _ := json.Marshal(req.Items)
	hash, _ := json.Marshal(req)
	sum := sha256.Sum256(hash)
	total, medical, nonMedical := domain.BillTotals(req.Items)
	// A visit already recorded is answered as it stands (or its saga
	// started again) without the rules: they were checked when it was
	// accepted, and a retry must not read as "nothing was taken" because
	// something changed since.
	st, found, err := a.store.SettlementByVisit(ctx, string(institution), req.VisitNo)
	if err != nil {
		return SettlementResult{}, err
	}
	if !found {
		patient, err := a.checkSettlementRules(ctx, institution, req, domain.DateOf(at))
		if err != nil {
			return SettlementResult{}, err
		}
		st, _, err = a.store.CreateSettlement(ctx, db.Settlement{
			ID: uuid.NewString(), Institution: string(institution), VisitNo: req.VisitNo, Patient: string(req.Patient),
			CertType: string(req.CertType), MedicalType: string(req.MedicalType), ServiceDate: req.ServiceDate,
			Insutype: string(patient.Enrolment.Insutype), ItemsJSON: items, UseFamilyAccount: req.UseFamilyAccount,
			TopupMethod: string(req.TopupMethod), RequestHash: hex.EncodeToString(sum[:]), Total: total,
		})
		if err != nil {
			return SettlementResult{}, err
		}
	}
	if st.RequestHash != hex.EncodeToString(sum[:]) {
		return SettlementResult{}, domain.Errorf(domain.CodeSettlementConflict, "visit %s was already settled with another request", req.VisitNo).
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
			UseFamilyAccount: req.UseFamilyAccount, TopupMethod: req.TopupMethod, CardToken: req.CardToken, TopupTimeout: a.topupTimeout,
		}
		if run, err = a.startSettlement(ctx, in, req.VisitNo); err != nil {
			return SettlementResult{}, err
		}
	}
	return a.awaitSettled(ctx, st.ID, run)
}

// checkSettlementRules refuses a settlement as a whole, before anything is
// written, and returns the patient.
func (a *App) checkSettlementRules(ctx context.Context, code domain.InstitutionCode, req SettlementRequest, today domain.Date) (domain.Party, error) {
	sc := domain.SettlementCase{MedicalType: req.MedicalType, ServiceDate: req.ServiceDate, Today: today}
	inst, found, err := a.store.Institution(ctx, code)
	if err != nil {
		return domain.Party{}, err
	}
	if found {
		sc.Institution = &inst
	}
	patient, found, err := a.party(ctx, req.Patient)
	if err != nil {
		return domain.Party{}, err
	}
	if found {
		sc.Patient = &patient
		if sc.Filings, err = a.store.Filings(ctx, req.Patient); err != nil {
			return domain.Party{}, err
		}
	}
	if err := domain.CheckSettlement(sc, domain.DefaultPools); err != nil {
		return domain.Party{}, err
	}
	if req.UseFamilyAccount {
		bindings, err := a.store.ActiveBindingsFor(ctx, req.Patient, req.ServiceDate)
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
func (a *App) startSettlement(ctx context.Context, in workflows.SettlementInput, visitNo string) (client.WorkflowRun, error) {
	run, err := a.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.SettlementWorkflowID(in.Institution, visitNo),
		TaskQueue:             a.taskQueue,
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
		Logger(ctx).Error("start settlement workflow", "settlement_id", in.SettlementID, "error", err)
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; send the same request again")
	}
	return run, nil
}

// awaitSettled waits up to settleWait for the settlement to be final.
// Given the saga's run, it first waits for the run to end on the Temporal
// server (a long poll that wakes the moment the run closes, with no
// database reads meanwhile); then, or without a run, it re-reads the
// database until the deadline.
func (a *App) awaitSettled(ctx context.Context, id string, run client.WorkflowRun) (SettlementResult, error) {
	deadline := time.Now().Add(settleWait)
	if run != nil {
		runCtx, cancel := context.WithDeadline(ctx, deadline)
		_ = run.Get(runCtx, nil)
		cancel()
	}
	st, final, err := awaitFinal(ctx, time.Until(deadline), func() (db.Settlement, bool, error) {
		st, err := a.store.Settlement(ctx, id)
		return st, st.Status.IsFinal(), err
	})
	if err != nil {
		return SettlementResult{}, err
	}
	return SettlementResult{Settlement: st, Final: final}, nil
}
