package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// BindingRequest is what a holder asks for: a family member bound under
// a relation and terms.
type BindingRequest struct {
	Beneficiary domain.IDNumber
	Relation    domain.Relation
	Terms       domain.Terms
}

// RequestBinding has the actor, as holder, ask to bind a family member.
// Every rule is checked before anything is written; then the request is
// stored and its workflow started. It returns the binding as it stands.
func (a *App) RequestBinding(ctx context.Context, actor domain.Principal, req BindingRequest, at time.Time) (domain.Binding, error) {
	today := domain.DateOf(at)
	if err := domain.ValidateTerms(req.Terms, today); err != nil {
		return domain.Binding{}, err
	}
	holderID := domain.IDNumber(actor.Subject)
	if err := a.checkBindingRules(ctx, holderID, req.Beneficiary, req.Relation, today); err != nil {
		return domain.Binding{}, err
	}
	if pending, ok, err := a.store.UnconfirmedBinding(ctx, holderID, req.Beneficiary); err != nil {
		return domain.Binding{}, err
	} else if ok {
		return a.resumeBinding(ctx, pending, req, at)
	}
	nb := db.NewBinding{ID: uuid.NewString(), Holder: holderID, Beneficiary: req.Beneficiary, Relation: req.Relation, Terms: req.Terms,
		Consent: domain.ConsentOnRequest(req.Beneficiary, today), At: at}
	if err := a.store.CreateBinding(ctx, nb); err != nil {
		return domain.Binding{}, err
	}
	if err := a.startBindingWorkflow(ctx, nb); err != nil {
		return domain.Binding{}, err
	}
	return a.bindingAt(ctx, nb.ID, at)
}

// resumeBinding completes a request whose workflow start had no answer,
// when the holder asks for the same family member again: its workflow is
// started, or found started. The same request is then answered as the
// first would have been; another one finds the binding exists.
func (a *App) resumeBinding(ctx context.Context, pending db.NewBinding, req BindingRequest, at time.Time) (domain.Binding, error) {
	if err := a.startBindingWorkflow(ctx, pending); err != nil {
		return domain.Binding{}, err
	}
	if pending.Relation != req.Relation || !sameTerms(pending.Terms, req.Terms) {
		return domain.Binding{}, domain.Errorf(domain.CodeBindingExists, "a live binding for this family member exists already")
	}
	return a.bindingAt(ctx, pending.ID, at)
}

func sameTerms(a, b domain.Terms) bool {
	sameLimit := (a.AnnualLimit == nil) == (b.AnnualLimit == nil) &&
		(a.AnnualLimit == nil || a.AnnualLimit.Equal(b.AnnualLimit.Decimal))
	return sameLimit && a.ValidUntil == b.ValidUntil
}

// bindingAt reads a binding with the usage of at's year: the result of
// every binding use case.
func (a *App) bindingAt(ctx context.Context, id string, at time.Time) (domain.Binding, error) {
	return a.store.Binding(ctx, id, domain.DateOf(at).Year)
}

// checkBindingRules applies every rule a new binding must pass: the
// holder's and the beneficiary's, and the relation policy in force today.
func (a *App) checkBindingRules(ctx context.Context, holderID, beneficiaryID domain.IDNumber, relation domain.Relation, today domain.Date) error {
	if err := a.checkParties(ctx, holderID, beneficiaryID); err != nil {
		return err
	}
	policies, err := a.store.RelationPolicies(ctx)
	if err != nil {
		return err
	}
	return domain.CheckRelation(relation, policies, today)
}

// checkParties applies the holder and beneficiary rules to the two
// persons as the core system knows them now: at the request, and again
// at approval.
func (a *App) checkParties(ctx context.Context, holderID, beneficiaryID domain.IDNumber) error {
	holder, found, err := a.party(ctx, holderID)
	if err != nil {
		return err
	}
	if !found {
		return domain.Errorf(domain.CodeHolderNotFound, "the insurance core system does not know the holder")
	}
	if err := domain.CheckHolder(holder, domain.DefaultPools); err != nil {
		return err
	}
	beneficiary, found, err := a.party(ctx, beneficiaryID)
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
func (a *App) startBindingWorkflow(ctx context.Context, nb db.NewBinding) error {
	var err error
	for attempt := range bindingStartAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if err = a.tryStartBindingWorkflow(ctx, nb); err == nil || refusedForCertain(err) || ctx.Err() != nil {
			break
		}
	}
	log := Logger(ctx)
	ctx = context.WithoutCancel(ctx)
	switch {
	case err == nil:
		if cerr := a.store.ConfirmBindingStarted(ctx, nb.ID); cerr != nil {
			// The workflow exists; the next request for the pair confirms it.
			log.Error("confirm binding started", "binding_id", nb.ID, "error", cerr)
		}
		return nil
	case refusedForCertain(err):
		log.Error("start binding workflow refused", "binding_id", nb.ID, "error", err)
		if delErr := a.store.DeleteUnstartedBinding(ctx, nb.ID); delErr != nil {
			log.Error("remove unstarted binding", "binding_id", nb.ID, "error", delErr)
		}
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was saved, try again")
	default:
		log.Error("start binding workflow unanswered", "binding_id", nb.ID, "error", err)
		return domain.Errorf(domain.CodeUnavailable, "the workflow service did not answer; the request is kept, send it again to complete it")
	}
}

func (a *App) tryStartBindingWorkflow(ctx context.Context, nb db.NewBinding) error {
	ctx, cancel := context.WithTimeout(ctx, bindingStartAttemptTimeout)
	defer cancel()
	_, err := a.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.BindingWorkflowID(nb.ID),
		TaskQueue:                a.taskQueue,
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
