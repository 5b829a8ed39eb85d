package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

type postBindingRequest struct {
	BeneficiaryIDNumber *string        `json:"beneficiary_id_number"`
	Relation            *string        `json:"relation"`
	AnnualLimit         *domain.Amount `json:"annual_limit"`
	ValidUntil          domain.Date    `json:"valid_until"`
}

// postBinding handles POST /v1/bindings: the caller, as holder, asks to
// bind a family member. Every rule is checked before anything is written.
func (s *server) postBinding(c *gin.Context) error {
	var req postBindingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"beneficiary_id_number", req.BeneficiaryIDNumber != nil}, field{"relation", req.Relation != nil}); err != nil {
		return err
	}
	today := s.today()
	beneficiaryID, err := domain.ParseIDNumber(*req.BeneficiaryIDNumber, today)
	if err != nil {
		return err
	}
	relation, err := domain.ParseRelation(*req.Relation)
	if err != nil {
		return err
	}
	terms := domain.Terms{AnnualLimit: req.AnnualLimit, ValidUntil: req.ValidUntil}
	if err := domain.ValidateTerms(terms, today); err != nil {
		return err
	}
	holderID := domain.IDNumber(principal(c).Subject)
	if err := s.checkBindingRules(c, holderID, beneficiaryID, relation, today); err != nil {
		return err
	}

	nb := db.NewBinding{ID: uuid.NewString(), Holder: holderID, Beneficiary: beneficiaryID, Relation: relation, Terms: terms,
		Consent: domain.ConsentOnRequest(beneficiaryID, today), At: s.now()}
	if err := s.store.CreateBinding(c, nb); err != nil {
		return err
	}
	if err := s.startBindingWorkflow(c, nb); err != nil {
		// Leave nothing behind: the request never started.
		if delErr := s.store.DeleteUnstartedBinding(context.WithoutCancel(c), nb.ID); delErr != nil {
			logger(c).Error("remove unstarted binding", "binding_id", nb.ID, "error", delErr)
		}
		return err
	}
	return s.respondBinding(c, http.StatusCreated, nb.ID)
}

// checkBindingRules applies every rule a new binding must pass: the
// holder's and the beneficiary's, and the relation policy in force today.
func (s *server) checkBindingRules(ctx context.Context, holderID, beneficiaryID domain.IDNumber, relation domain.Relation, today domain.Date) error {
	if err := s.checkParties(ctx, holderID, beneficiaryID); err != nil {
		return err
	}
	policies, err := s.store.RelationPolicies(ctx)
	if err != nil {
		return err
	}
	return domain.CheckRelation(relation, policies, today)
}

// checkParties applies the holder and beneficiary rules to the two
// persons as the core system knows them now: at the request, and again
// at approval.
func (s *server) checkParties(ctx context.Context, holderID, beneficiaryID domain.IDNumber) error {
	holder, found, err := s.party(ctx, holderID)
	if err != nil {
		return err
	}
	if !found {
		return domain.Errorf(domain.CodeHolderNotFound, "the insurance core system does not know the holder")
	}
	if err := domain.CheckHolder(holder, domain.DefaultPools); err != nil {
		return err
	}
	beneficiary, found, err := s.party(ctx, beneficiaryID)
	if err != nil {
		return err
	}
	if !found {
		return domain.Errorf(domain.CodeBeneficiaryNotFound, "the insurance core system does not know the beneficiary")
	}
	return domain.CheckBeneficiary(holderID, beneficiary, domain.DefaultPools)
}

func (s *server) startBindingWorkflow(c *gin.Context, nb db.NewBinding) error {
	_, err := s.temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID:                    workflows.BindingWorkflowID(nb.ID),
		TaskQueue:             s.taskQueue,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.BindingStatusKey.ValueSet(string(domain.BindingAwaitingDocuments)),
			workflows.BindingRelationKey.ValueSet(string(nb.Relation)),
		),
	}, workflows.BindingLifecycle, workflows.BindingInput{
		BindingID: nb.ID, Relation: nb.Relation, Terms: nb.Terms, RequestedAt: nb.At, Consent: nb.Consent,
	})
	if err != nil {
		logger(c).Error("start binding workflow", "binding_id", nb.ID, "error", err)
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was saved, try again")
	}
	return nil
}
