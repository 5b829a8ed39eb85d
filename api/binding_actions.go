package api

import (
	"encoding/json"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/domain"
)

// The binding actions read the binding in the path (404), refuse a caller
// who is not its holder where only the holder may act (403), decode the
// body, and hand the rest to the use case.

// submitBinding handles POST /v1/bindings/{id}/submit (app.Submit).
func (s *server) submitBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	at := s.now()
	if b, err = s.app.Submit(c, principal(c), b, at); err != nil {
		return err
	}
	return s.respondBinding(c, b, at)
}

type reviewRequest struct {
	Decision *string `json:"decision"`
	Reason   string  `json:"reason"`
}

// reviewBinding handles POST /v1/bindings/{id}/review (reviewers;
// app.Review).
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
	at := s.now()
	if b, err = s.app.Review(c, principal(c), b, decision, req.Reason, at); err != nil {
		return err
	}
	return s.respondBinding(c, b, at)
}

type patchBindingRequest struct {
	AnnualLimit json.RawMessage `json:"annual_limit"`
	ValidUntil  json.RawMessage `json:"valid_until"`
}

// patchBinding handles PATCH /v1/bindings/{id} (app.ChangeTerms): a field
// left out stays as it is; null removes the limit or makes the binding
// long-term.
func (s *server) patchBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := app.RequireHolder(principal(c), b); err != nil {
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
	at := s.now()
	if b, err = s.app.ChangeTerms(c, principal(c), b, terms, at); err != nil {
		return err
	}
	return s.respondBinding(c, b, at)
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

// unbindBinding handles POST /v1/bindings/{id}/unbind (app.Unbind); the
// body is optional.
func (s *server) unbindBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if err := app.RequireHolder(principal(c), b); err != nil {
		return err
	}
	var req unbindRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	at := s.now()
	if b, err = s.app.Unbind(c, principal(c), b, req.Reason, at); err != nil {
		return err
	}
	return s.respondBinding(c, b, at)
}

type consentRequest struct {
	Decision *string `json:"decision"`
}

// consentBinding handles POST /v1/bindings/{id}/consent (app.Consent):
// only the beneficiary's own token may answer.
func (s *server) consentBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	var req consentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"decision", req.Decision != nil}); err != nil {
		return err
	}
	decision, err := domain.ParseConsentDecision(*req.Decision)
	if err != nil {
		return err
	}
	at := s.now()
	if b, err = s.app.Consent(c, principal(c), b, decision, at); err != nil {
		return err
	}
	return s.respondBinding(c, b, at)
}
