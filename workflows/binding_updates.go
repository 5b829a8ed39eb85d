package workflows

import (
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// Each update has a validator that refuses it synchronously (the caller
// gets the code at once, and nothing is written to history) and a handler
// that takes the lock, checks again, and acts.

func (w *bindingWorkflow) validateAddDocument(_ workflow.Context, _ DocumentAdded) error {
	return w.requireStatus(domain.BindingAwaitingDocuments)
}

// addDocument records an upload once per document id and restarts the
// lapse clock. The document itself is already stored; the workflow keeps
// only its id.
func (w *bindingWorkflow) addDocument(ctx workflow.Context, d DocumentAdded) error {
	check := func() error { return w.requireStatus(domain.BindingAwaitingDocuments) }
	return w.locked(ctx, check, func() error {
		if !slices.Contains(w.st.DocumentIDs, d.DocumentID) {
			w.st.DocumentIDs = append(w.st.DocumentIDs, d.DocumentID)
			w.st.AwaitingSince = workflow.Now(ctx)
			w.changes++
		}
		return nil
	})
}

func (w *bindingWorkflow) validateSubmit(_ workflow.Context, _ SubmitRequest) error {
	return w.checkSubmit()
}

func (w *bindingWorkflow) checkSubmit() error {
	if err := w.requireStatus(domain.BindingAwaitingDocuments); err != nil {
		return err
	}
	if len(w.st.DocumentIDs) <= w.st.DocumentsAtRequest {
		return temporalerr.FromDomain(domain.Errorf(domain.CodeDocumentsRequired, "upload at least one new relationship document before submitting"))
	}
	return nil
}

func (w *bindingWorkflow) submit(ctx workflow.Context, req SubmitRequest) error {
	return w.locked(ctx, w.checkSubmit, func() error {
		_, err := w.transition(ctx, []domain.BindingStatus{domain.BindingAwaitingDocuments}, domain.BindingUnderReview, "submitted", req.By.String(), "", instant(ctx, req.At))
		return err
	})
}

// validateReview refuses a review unless the binding is under review, and
// an approval once the validity end has passed (Beijing time): such a
// binding would be active for no day at all. The handler checks only the
// status again: validators do not run on replay, so histories recorded
// before the date rule stay replayable.
func (w *bindingWorkflow) validateReview(ctx workflow.Context, req ReviewRequest) error {
	if err := w.checkReview(req); err != nil {
		return err
	}
	until := w.st.Terms.ValidUntil
	if req.Decision == domain.DecisionApprove && !until.IsZero() && until.Before(domain.DateOf(instant(ctx, req.At))) {
		return temporalerr.FromDomain(domain.Errorf(domain.CodeValidUntilInPast, "valid_until %s is already past; the binding cannot be approved", until))
	}
	return nil
}

func (w *bindingWorkflow) review(ctx workflow.Context, req ReviewRequest) error {
	check := func() error { return w.checkReview(req) }
	return w.locked(ctx, check, func() error {
		from := []domain.BindingStatus{domain.BindingUnderReview}
		at := instant(ctx, req.At)
		switch req.Decision {
		case domain.DecisionApprove:
			key, err := w.transition(ctx, from, domain.BindingActive, "approved", req.By.String(), req.Reason, at)
			if err == nil {
				w.notify(domain.NoticeBindingApproved, req.Reason, key)
			}
			return err
		case domain.DecisionReject:
			key, err := w.transition(ctx, from, domain.BindingRejected, "rejected", req.By.String(), req.Reason, at)
			if err == nil {
				w.notify(domain.NoticeBindingRejected, req.Reason, key)
			}
			return err
		default:
			key, err := w.transition(ctx, from, domain.BindingAwaitingDocuments, "documents_requested", req.By.String(), req.Reason, at)
			if err == nil {
				w.st.AwaitingSince = workflow.Now(ctx)
				w.st.DocumentsAtRequest = len(w.st.DocumentIDs)
				w.notify(domain.NoticeBindingDocumentsRequired, req.Reason, key)
			}
			return err
		}
	})
}

// checkReview refuses a review unless the binding is under review, and an
// approval while the beneficiary's consent is pending (a rejection or a
// request for documents is still possible).
func (w *bindingWorkflow) checkReview(req ReviewRequest) error {
	if err := w.requireStatus(domain.BindingUnderReview); err != nil {
		return err
	}
	if req.Decision == domain.DecisionApprove && w.st.Consent == domain.ConsentPending {
		return temporalerr.FromDomain(domain.Errorf(domain.CodeConsentRequired, "the beneficiary has not consented yet; the binding cannot be approved"))
	}
	return nil
}

func (w *bindingWorkflow) validateChangeTerms(ctx workflow.Context, req TermsRequest) error {
	return w.checkTerms(ctx, req)
}

// checkTerms refuses new terms unless the binding is live at the
// request's instant: an active binding past its validity is expired then,
// as the API reads it, even before the expiry timer has fired; new terms
// would revive it.
func (w *bindingWorkflow) checkTerms(ctx workflow.Context, req TermsRequest) error {
	at := instant(ctx, req.At)
	if status := w.statusAt(at); !status.IsLive() {
		return wrongState(status)
	}
	if err := domain.ValidateTerms(req.Terms, domain.DateOf(at)); err != nil {
		return temporalerr.FromDomain(err.(*domain.Error))
	}
	return nil
}

func (w *bindingWorkflow) changeTerms(ctx workflow.Context, req TermsRequest) error {
	return w.locked(ctx, func() error { return w.checkTerms(ctx, req) }, func() error {
		w.st.EventSeq++
		c := domain.TermsChange{
			BindingID: w.in.BindingID, Terms: req.Terms, By: req.By.String(), At: instant(ctx, req.At),
			EventKey: w.eventKey("terms_changed"),
		}
		if err := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityRecordTerms, c).Get(ctx, nil); err != nil {
			return err
		}
		w.st.Terms = req.Terms
		w.st.ExpiresAt = expiryOf(req.Terms)
		w.changes++
		return nil
	})
}

func (w *bindingWorkflow) validateUnbind(_ workflow.Context, _ UnbindRequest) error {
	if !w.st.Status.IsLive() {
		return w.wrongState()
	}
	return nil
}

func (w *bindingWorkflow) unbind(ctx workflow.Context, req UnbindRequest) error {
	check := func() error { return w.validateUnbind(ctx, req) }
	return w.locked(ctx, check, func() error {
		_, err := w.transition(ctx, domain.LiveBindingStatuses, domain.BindingUnbound, "unbound", req.By.String(), req.Reason, instant(ctx, req.At))
		return err
	})
}

func (w *bindingWorkflow) validateConsent(_ workflow.Context, req ConsentRequest) error {
	if _, err := domain.ParseConsentDecision(string(req.Decision)); err != nil {
		return temporalerr.FromDomain(err.(*domain.Error))
	}
	return w.checkConsent()
}

// checkConsent refuses an answer unless the binding is live and waits
// for its beneficiary's consent.
func (w *bindingWorkflow) checkConsent() error {
	if !w.st.Status.IsLive() {
		return w.wrongState()
	}
	if w.st.Consent != domain.ConsentPending {
		return temporalerr.FromDomain(domain.Errorf(domain.CodeConsentNotPending, "the binding's consent is %s", w.st.Consent).
			WithDetails(map[string]any{"consent": string(w.st.Consent)}))
	}
	return nil
}

// consent records the beneficiary's answer. An acceptance lets the binding
// be approved and stops the consent's lapse clock; a decline ends it as
// declined and tells the holder.
func (w *bindingWorkflow) consent(ctx workflow.Context, req ConsentRequest) error {
	return w.locked(ctx, w.checkConsent, func() error {
		answer := req.Decision.Consent()
		w.st.EventSeq++
		a := domain.ConsentAnswer{
			BindingID: w.in.BindingID, Consent: answer, By: req.By.String(), At: instant(ctx, req.At),
			EventKey: w.eventKey("consent_" + string(answer)),
		}
		if err := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityRecordConsent, a).Get(ctx, nil); err != nil {
			return err
		}
		w.st.Consent = answer
		w.changes++
		if answer != domain.ConsentDeclined {
			return nil
		}
		w.st.Status = domain.BindingDeclined
		w.notify(domain.NoticeBindingDeclined, "", a.EventKey)
		return w.publishStatus(ctx)
	})
}

// locked runs act under the workflow lock if check still passes.
func (w *bindingWorkflow) locked(ctx workflow.Context, check, act func() error) error {
	if err := w.lock.Lock(ctx); err != nil {
		return err
	}
	defer w.lock.Unlock()
	if err := check(); err != nil {
		return err
	}
	return act()
}

func (w *bindingWorkflow) requireStatus(want domain.BindingStatus) error {
	if w.st.Status != want {
		return w.wrongState()
	}
	return nil
}

func (w *bindingWorkflow) wrongState() error { return wrongState(w.st.Status) }

func wrongState(status domain.BindingStatus) error {
	return temporalerr.FromDomain(domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status).
		WithDetails(map[string]any{"status": string(status)}))
}

// statusAt is the binding's status at the instant at
// (domain.Binding.StatusAt).
func (w *bindingWorkflow) statusAt(at time.Time) domain.BindingStatus {
	return domain.Binding{Status: w.st.Status, Terms: w.st.Terms}.StatusAt(at)
}

// instant is when a request happened: the caller's At, or the workflow's
// time for a request recorded without one.
func instant(ctx workflow.Context, at time.Time) time.Time {
	if at.IsZero() {
		return workflow.Now(ctx)
	}
	return at
}

func (w *bindingWorkflow) eventKey(event string) string {
	return w.in.BindingID + ":" + strconv.Itoa(w.st.EventSeq) + ":" + event
}
