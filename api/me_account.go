package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

// statementEntry is one ledger entry of the caller's account as the
// holder reads it: amount signed (a debit is negative), time in Beijing
// time, and what it was for.
type statementEntry struct {
	ID                  string        `json:"id"`
	At                  time.Time     `json:"at"`
	Amount              domain.Amount `json:"amount"`
	Kind                string        `json:"kind"`
	SettlementID        *string       `json:"settlement_id"`
	BindingID           *string       `json:"binding_id"`
	BeneficiaryIDNumber *string       `json:"beneficiary_id_number"`
	InstitutionCode     *string       `json:"institution_code"`
	Reference           string        `json:"reference"`
}

type accountStatement struct {
	Balance domain.Amount                `json:"balance"`
	Status  string                       `json:"status"`
	Entries listResponse[statementEntry] `json:"entries"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toStatementEntry(e db.Entry) statementEntry {
	return statementEntry{
		ID: formatID(e.ID), At: e.At.In(domain.Beijing), Amount: e.Amount, Kind: string(e.Kind),
		SettlementID: orNull(e.SettlementID), BindingID: orNull(e.BindingID),
		BeneficiaryIDNumber: orNull(string(e.Beneficiary)), InstitutionCode: orNull(string(e.Institution)),
		Reference: e.Reference,
	}
}

// pageAfterID reads ?limit= and ?cursor= for a list kept in descending id
// order: the cursor's id is the last id already returned.
func pageAfterID(c *gin.Context) (limit int, beforeID int64, err error) {
	limit, after, err := page(c)
	if err != nil || after == nil {
		return limit, 0, err
	}
	id, convErr := strconv.ParseInt(after.ID, 10, 64)
	if convErr != nil || id <= 0 {
		return 0, 0, domain.Errorf(domain.CodeInvalidRequest, "cursor is not one this API gave out")
	}
	return limit, id, nil
}

// getMyAccount handles GET /v1/me/account: the caller's balance, status
// and ledger entries, newest first (keyset pagination on the entry id).
func (s *server) getMyAccount(c *gin.Context) error {
	limit, before, err := pageAfterID(c)
	if err != nil {
		return err
	}
	account, entries, err := s.store.Statement(c, domain.IDNumber(principal(c).Subject), before, limit)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, accountStatement{
		Balance: account.Balance, Status: string(account.Status),
		Entries: newPage(entries, limit, toStatementEntry, func(e db.Entry) (time.Time, string) { return e.At, formatID(e.ID) }),
	})
	return nil
}
