package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/db"
	"gongji/domain"
)

// loadBinding reads the binding named in the path with the current year's
// usage.
func (s *server) loadBinding(c *gin.Context) (domain.Binding, error) {
	id := c.Param("binding_id")
	if !isWellFormedID(id) {
		return domain.Binding{}, domain.Errorf(domain.CodeBindingNotFound, "no such binding")
	}
	return s.store.Binding(c, id, s.today().Year)
}

// respondBinding answers 200 with the binding a use case returned, as
// read at at.
func (s *server) respondBinding(c *gin.Context, b domain.Binding, at time.Time) error {
	c.JSON(http.StatusOK, toBindingResponse(b, at))
	return nil
}

// getBinding handles GET /v1/bindings/{id}.
func (s *server) getBinding(c *gin.Context) error {
	b, err := s.loadBinding(c)
	if err != nil {
		return err
	}
	if !app.CanRead(principal(c), b) {
		return domain.Errorf(domain.CodeForbidden, "this binding is not yours")
	}
	c.JSON(http.StatusOK, toBindingResponse(b, s.now()))
	return nil
}

// listBindings handles GET /v1/bindings?as=holder|beneficiary&status=:
// the status filter matches the status each binding has now.
func (s *server) listBindings(c *gin.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	me := domain.IDNumber(principal(c).Subject)
	now := s.now()
	f := db.BindingFilter{After: after, Limit: limit, Year: domain.DateOf(now).Year, Today: domain.DateOf(now)}
	switch as := c.DefaultQuery("as", "holder"); as {
	case "holder":
		f.Holder = me
	case "beneficiary":
		f.Beneficiary = me
	default:
		return domain.EnumError("as", as, "holder", "beneficiary")
	}
	if raw := c.Query("status"); raw != "" {
		if f.Status, err = domain.ParseBindingStatus(raw); err != nil {
			return err
		}
	}
	bindings, err := s.store.ListBindings(c, f)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(bindings, limit, bindingsAt(now),
		func(b domain.Binding) (time.Time, string) { return b.RequestedAt, b.ID }))
	return nil
}

// listReviews handles GET /v1/reviews?status=under_review: the reviewer
// queue, oldest submission first, by the status each binding has now.
func (s *server) listReviews(c *gin.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	now := s.now()
	status := domain.BindingUnderReview
	if raw := c.Query("status"); raw != "" {
		if status, err = domain.ParseBindingStatus(raw); err != nil {
			return err
		}
	}
	bindings, err := s.store.ReviewQueue(c, status, domain.DateOf(now), after, limit, domain.DateOf(now).Year)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(bindings, limit, bindingsAt(now),
		func(b domain.Binding) (time.Time, string) { return b.SubmittedAt, b.ID }))
	return nil
}

// bindingsAt maps bindings to their responses as read at now.
func bindingsAt(now time.Time) func(domain.Binding) bindingResponse {
	return func(b domain.Binding) bindingResponse { return toBindingResponse(b, now) }
}
