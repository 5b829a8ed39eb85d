package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/domain"
	"gongji/workflows"
)

func actor(c *gin.Context) workflows.Actor {
	p := principal(c)
	return workflows.Actor{Role: p.Role, Subject: p.Subject}
}

// submitBinding handles POST /v1/bindings/{id}/submit.
func (s *server) submitBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := requireHolder(c, b); err != nil {
		return err
	}
	// The workflow counts the documents it was told of; the stored ones are
	// checked too, in case an upload was removed after a failed update.
	if b.Status == domain.BindingAwaitingDocuments && len(b.Documents) == 0 {
		return domain.Errorf(domain.CodeDocumentsRequired, "upload at least one relationship document before submitting")
	}
	if err := s.updateBinding(c, b.ID, workflows.UpdateSubmit, workflows.SubmitRequest{By: actor(c), At: s.now()}); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusOK, b.ID)
}

type reviewRequest struct {
	Decision *string `json:"decision"`
	Reason   string  `json:"reason"`
}

// reviewBinding handles POST /v1/bindings/{id}/review (reviewers). A
// rejection or a request for documents must say why; an approval is
// refused (422) when the binding no longer passes the rules.
func (s *server) reviewBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	var req reviewRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"decision", req.Decision != nil}); err != nil {
		return err
	}
	decision, err := domain.ParseReviewDecision(*req.Decision)
	if err != nil {
		return err
	}
	if err := domain.ValidateReason(req.Reason, decision != domain.DecisionApprove); err != nil {
		return err
	}
	if b.Status != domain.BindingUnderReview {
		// A binding never submitted is not the reviewer's to read: its
		// status is not told.
		if !canRead(principal(c), b) {
			return domain.Errorf(domain.CodeBindingWrongState, "the binding is not under review")
		}
		return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s, not under review", b.Status)
	}
	if decision == domain.DecisionApprove {
		if b.Consent == domain.ConsentPending {
			return domain.Errorf(domain.CodeConsentRequired, "the beneficiary has not consented yet; the binding cannot be approved")
		}
		if err := s.checkApproval(c, b); err != nil {
			return err
		}
	}
	review := workflows.ReviewRequest{By: actor(c), Decision: decision, Reason: req.Reason, At: s.now()}
	if err := s.updateBinding(c, b.ID, workflows.UpdateReview, review); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusOK, b.ID)
}

// checkApproval re-checks, at approval, what may have changed since the
// request: the validity end may have passed, and the holder or the
// beneficiary may no longer pass the rules (a frozen account, arrears, a
// lost or moved insurance, a death). The relation policy is not checked
// again: it held when the binding was requested.
func (s *server) checkApproval(ctx context.Context, b domain.Binding) error {
	if until := b.Terms.ValidUntil; !until.IsZero() && until.Before(s.today()) {
		return domain.Errorf(domain.CodeValidUntilInPast, "valid_until %s is already past; the binding cannot be approved", until)
	}
	return s.checkParties(ctx, b.Holder, b.Beneficiary)
}

type patchBindingRequest struct {
	AnnualLimit json.RawMessage `json:"annual_limit"`
	ValidUntil  json.RawMessage `json:"valid_until"`
}

// patchBinding handles PATCH /v1/bindings/{id}: a field left out stays as
// it is; null removes the limit or makes the binding long-term.
func (s *server) patchBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := requireHolder(c, b); err != nil {
		return err
	}
	var req patchBindingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	terms, err := mergeTerms(b.Terms, req)
	if err != nil {
		return err
	}
	now := s.now()
	// New terms would revive a binding that has ended, by its timer or
	// only by the clock (past its validity, its timer not yet fired).
	if status := b.StatusAt(now); !status.IsLive() {
		return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status).
			WithDetails(map[string]any{"status": string(status)})
	}
	if err := domain.ValidateTerms(terms, domain.DateOf(now)); err != nil {
		return err
	}
	if terms.AnnualLimit != nil && terms.AnnualLimit.LessThan(b.UsedThisYear.Decimal) {
		return domain.Errorf(domain.CodeLimitBelowUsage, "the limit %s is below this year's usage %s", terms.AnnualLimit, b.UsedThisYear).
			WithDetails(map[string]any{"used_this_year": b.UsedThisYear.String()})
	}
	if err := s.updateBinding(c, b.ID, workflows.UpdateChangeTerms, workflows.TermsRequest{By: actor(c), Terms: terms, At: now}); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusOK, b.ID)
}

func mergeTerms(current domain.Terms, req patchBindingRequest) (domain.Terms, error) {
	out := current
	if req.AnnualLimit != nil {
		out.AnnualLimit = nil
		if string(req.AnnualLimit) != "null" {
			var a domain.Amount
			if err := json.Unmarshal(req.AnnualLimit, &a); err != nil {
				return domain.Terms{}, jsonError(err)
			}
			out.AnnualLimit = &a
		}
	}
	if req.ValidUntil != nil {
		var d domain.Date
		if err := json.Unmarshal(req.ValidUntil, &d); err != nil {
			return domain.Terms{}, jsonError(err)
		}
		out.ValidUntil = d
	}
	return out, nil
}

type unbindRequest struct {
	Reason string `json:"reason"`
}

// unbindBinding handles POST /v1/bindings/{id}/unbind; the body is
// optional.
func (s *server) unbindBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := requireHolder(c, b); err != nil {
		return err
	}
	var req unbindRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if err := domain.ValidateReason(req.Reason, false); err != nil {
		return err
	}
	if err := s.updateBinding(c, b.ID, workflows.UpdateUnbind, workflows.UnbindRequest{By: actor(c), Reason: req.Reason, At: s.now()}); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusOK, b.ID)
}
