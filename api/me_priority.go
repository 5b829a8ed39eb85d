package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

// maxPriorityBindings bounds a priority list; nobody is bound by more
// holders than this.
const maxPriorityBindings = 50

type priorityRequest struct {
	BindingIDs *[]string `json:"binding_ids"`
}

// priorityResponse is the order in which the caller's live bindings as
// beneficiary pay: the named ones first, in their order, then the others,
// oldest first.
type priorityResponse struct {
	BindingIDs []string `json:"binding_ids"`
}

// getMyPriority handles GET /v1/me/priority.
func (s *server) getMyPriority(c *gin.Context) error {
	order, err := s.store.PayerOrder(c, domain.IDNumber(principal(c).Subject), s.today())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, priorityResponse{BindingIDs: order})
	return nil
}

// putMyPriority handles PUT /v1/me/priority {binding_ids}: the caller, as
// beneficiary, orders the bindings that pay for them. Only their own live
// bindings may be named (else 422 PRIORITY_BINDING_NOT_YOURS); a binding
// named twice is 400. An empty list goes back to oldest first. The change
// is recorded with who made it.
func (s *server) putMyPriority(c *gin.Context) error {
	ids, err := decodePriority(c)
	if err != nil {
		return err
	}
	order, err := s.store.SetPayerOrder(c, db.PayerOrderChange{
		Beneficiary: domain.IDNumber(principal(c).Subject), BindingIDs: ids, By: principal(c).String(), At: s.now(),
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, priorityResponse{BindingIDs: order})
	return nil
}

// decodePriority reads a priority body: at most maxPriorityBindings
// well-formed binding ids, none named twice.
func decodePriority(c *gin.Context) ([]string, error) {
	var req priorityRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if err := requireFields(field{"binding_ids", req.BindingIDs != nil}); err != nil {
		return nil, err
	}
	ids := *req.BindingIDs
	if len(ids) > maxPriorityBindings {
		return nil, domain.Errorf(domain.CodeInvalidRequest, "binding_ids names at most %d bindings", maxPriorityBindings).
			WithDetails(map[string]any{"field": "binding_ids"})
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !isWellFormedID(id) {
			return nil, domain.Errorf(domain.CodeInvalidRequest, "binding_ids holds %q, which is not a binding id", clipRunes(id, 64)).
				WithDetails(map[string]any{"field": "binding_ids"})
		}
		if seen[id] {
			return nil, domain.Errorf(domain.CodeInvalidRequest, "binding %s is named twice", clipRunes(id, 64)).
				WithDetails(map[string]any{"field": "binding_ids", "binding_id": clipRunes(id, 64)})
		}
		seen[id] = true
	}
	return ids, nil
}
