package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/domain"
	"gongji/workflows"
)

type consentRequest struct {
	Decision *string `json:"decision"`
}

// consentBinding handles POST /v1/bindings/{id}/consent: the beneficiary,
// 16 or older when the binding was requested, accepts or declines being
// bound. Only the beneficiary's own token may answer, once.
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
	if principal(c).Subject != string(b.Beneficiary) {
		return domain.Errorf(domain.CodeForbidden, "only the binding's beneficiary may answer it")
	}
	if !b.Status.IsLive() {
		return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", b.Status).
			WithDetails(map[string]any{"status": string(b.Status)})
	}
	if b.Consent != domain.ConsentPending {
		return domain.Errorf(domain.CodeConsentNotPending, "the binding's consent is %s", b.Consent).
			WithDetails(map[string]any{"consent": string(b.Consent)})
	}
	answer := workflows.ConsentRequest{By: actor(c), Decision: decision, At: s.now()}
	if err := s.updateBinding(c, b.ID, workflows.UpdateConsent, answer); err != nil {
		return err
	}
	return s.respondBinding(c, http.StatusOK, b.ID)
}
