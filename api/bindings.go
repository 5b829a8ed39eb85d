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

	if pending, ok, err := s.store.UnconfirmedBinding(c, holderID, beneficiaryID); err != nil {
		return err
	} else if ok {
		return s.resumeBinding(c, pending, relation, terms)
	}
	nb := db.NewBinding{ID: uuid.NewString(), Holder: holderID, Beneficiary: beneficiaryID, Relation: relation, Terms: terms,
		Consent: domain.ConsentOnRequest(beneficiaryID, today), At: s.now()}
	if err := s.store.CreateBinding(c, nb); err != nil {
		return err
	}
	if err := s.startBindingWorkflow(c, nb); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusCreated, nb.ID)
}

// resumeBinding completes a request whose workflow start had no answer,
// when the holder asks for the same family member again: its workflow is
// started, or found started. The same request is then answered as the
// first would have been; another one finds the binding exists.
func (s *server) resumeBinding(c *gin.Context, pending db.NewBinding, relation domain.Relation, terms domain.Terms) error {
	if err := s.startBindingWorkflow(c, pending); err != nil {
		return err
	}
	if pending.Relation != relation || !sameTerms(pending.Terms, terms) {
		return domain.Errorf(domain.CodeBindingExists, "a live binding for this family member exists already")
	}
	return s.respondBinding(c, http.StatusCreated, pending.ID)
}

func sameTerms(a, b domain.Terms) bool {
	sameLimit := (a.AnnualLimit == nil) == (b.AnnualLimit == nil) &&
		(a.AnnualLimit == nil || a.AnnualLimit.Equal(b.AnnualLimit.Decimal))
	return sameLimit && a.ValidUntil == b.ValidUntil
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

// bindingStartAttempts bounds how often a request tries to start (or find)
// a binding's workflow, each attempt within bindingStartAttemptTimeout.
const (
	bindingStartAttempts       = 3
	bindingStartAttemptTimeout = 4 * time.Second
)

// startBindingWorkflow starts the workflow of a stored request and records
// that it exists. The workflow id is the binding's, and a start finds a
// workflow already started under it (a retry after a start whose answer
// was lost attaches to it), so the start can be repeated until it is
// answered. A start refused for certain removes the request: nothing is
// left. A start never answered leaves the request stored and unconfirmed,
// and the holder's next request for the same family member completes it;
// removing it could leave a workflow without its row.
func (s *server) startBindingWorkflow(c *gin.Context, nb db.NewBinding) error {
	var err error
	for attempt := range bindingStartAttempts {
		if attempt > 0 {
			select {
			case <-c.Done():
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if err = s.tryStartBindingWorkflow(c, nb); err == nil || refusedForCertain(err) || c.Err() != nil {
			break
		}
	}
	ctx := context.WithoutCancel(c)
	switch {
	case err == nil:
		if cerr := s.store.ConfirmBindingStarted(ctx, nb.ID); cerr != nil {
			// The workflow exists; the next request for the pair confirms it.
			logger(c).Error("confirm binding started", "binding_id", nb.ID, "error", cerr)
		}
		return nil
	case refusedForCertain(err):
		logger(c).Error("start binding workflow refused", "binding_id", nb.ID, "error", err)
		if delErr := s.store.DeleteUnstartedBinding(ctx, nb.ID); delErr != nil {
			logger(c).Error("remove unstarted binding", "binding_id", nb.ID, "error", delErr)
		}
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was saved, try again")
	default:
		logger(c).Error("start binding workflow unanswered", "binding_id", nb.ID, "error", err)
		return domain.Errorf(domain.CodeUnavailable, "the workflow service did not answer; the request is kept, send it again to complete it")
	}
}

func (s *server) tryStartBindingWorkflow(c *gin.Context, nb db.NewBinding) error {
	ctx, cancel := context.WithTimeout(c, bindingStartAttemptTimeout)
	defer cancel()
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.BindingWorkflowID(nb.ID),
		TaskQueue:                s.taskQueue,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.BindingStatusKey.ValueSet(string(domain.BindingAwaitingDocuments)),
			workflows.BindingRelationKey.ValueSet(string(nb.Relation)),
		),
	}, workflows.BindingLifecycle, workflows.BindingInput{
		BindingID: nb.ID, Relation: nb.Relation, Terms: nb.Terms, RequestedAt: nb.At, Consent: nb.Consent,
	})
	var closed *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &closed) {
		// A run under this id has started before, and has ended since.
		return nil
	}
	return err
}

// refusedForCertain reports whether Temporal refused a start before
// creating anything: an invalid request, an unknown namespace, a missing
// permission or a rate limit. Any other failure (a timeout, a lost
// connection) may have come after the workflow was created.
func refusedForCertain(err error) bool {
	var (
		invalid    *serviceerror.InvalidArgument
		denied     *serviceerror.PermissionDenied
		noNS       *serviceerror.NamespaceNotFound
		inactiveNS *serviceerror.NamespaceNotActive
		exhausted  *serviceerror.ResourceExhausted
	)
	return errors.As(err, &invalid) || errors.As(err, &denied) || errors.As(err, &noNS) ||
		errors.As(err, &inactiveNS) || errors.As(err, &exhausted)
}
