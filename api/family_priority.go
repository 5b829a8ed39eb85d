package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

// familyMinor validates the :beneficiary_id_number path parameter and
// checks that the caller may set that family member's payer order: the
// member is under 18 today (an adult sets their own, through
// /v1/me/priority) and the caller holds a binding to them that is live
// today. Either refusal is 403.
func (s *server) familyMinor(c *gin.Context) (domain.IDNumber, error) {
	today := s.today()
	beneficiary, err := domain.ParseIDNumber(c.Param("beneficiary_id_number"), today)
	if err != nil {
		return "", err
	}
	held, err := s.store.HoldsLiveBinding(c, domain.IDNumber(principal(c).Subject), beneficiary, today)
	if err != nil {
		return "", err
	}
	if !held {
		return "", db.NoLiveBindingError()
	}
	if !beneficiary.IsMinorOn(today) {
		return "", domain.Errorf(domain.CodeForbidden, "an adult sets their own payer order (/v1/me/priority)")
	}
	return beneficiary, nil
}

// getFamilyPriority handles GET /v1/family/{beneficiary_id_number}/priority:
// a minor's payer order, as the minor would read it at /v1/me/priority.
func (s *server) getFamilyPriority(c *gin.Context) error {
	beneficiary, err := s.familyMinor(c)
	if err != nil {
		return err
	}
	order, err := s.store.PayerOrder(c, beneficiary, s.today())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, priorityResponse{BindingIDs: order})
	return nil
}

// putFamilyPriority handles PUT /v1/family/{beneficiary_id_number}/priority
// {binding_ids}: a parent orders the bindings that pay for a minor, by the
// rules of PUT /v1/me/priority (any of the minor's live bindings may be
// named, the other parent's too). The change is recorded with who made
// it.
func (s *server) putFamilyPriority(c *gin.Context) error {
	beneficiary, err := s.familyMinor(c)
	if err != nil {
		return err
	}
	ids, err := decodePriority(c)
	if err != nil {
		return err
	}
	order, err := s.store.SetPayerOrder(c, db.PayerOrderChange{
		Beneficiary: beneficiary, BindingIDs: ids, Holder: domain.IDNumber(principal(c).Subject),
		By: principal(c).String(), At: s.now(),
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, priorityResponse{BindingIDs: order})
	return nil
}
