package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

type putAccountRequest struct {
	Balance *domain.Amount `json:"balance"`
	Status  *string        `json:"status"`
}

type accountResponse struct {
	IDNumber       string        `json:"id_number"`
	OpeningBalance domain.Amount `json:"opening_balance"`
	Balance        domain.Amount `json:"balance"`
	Status         string        `json:"status"`
}

func toAccountResponse(a domain.Account) accountResponse {
	return accountResponse{IDNumber: string(a.IDNumber), OpeningBalance: a.OpeningBalance, Balance: a.Balance, Status: string(a.Status)}
}

// putAccount handles PUT /v1/persons/{id_number}/account: it opens the
// account with its opening balance once; later PUTs change only the status
// and must repeat the current balance.
func (s *server) putAccount(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	var req putAccountRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"balance", req.Balance != nil}, field{"status", req.Status != nil}); err != nil {
		return err
	}
	if req.Balance.IsNegative() {
		return domain.Errorf(domain.CodeInvalidAmount, "balance must not be negative")
	}
	status, err := domain.ParseAccountStatus(*req.Status)
	if err != nil {
		return err
	}
	a, err := s.store.PutAccount(c, id, *req.Balance, status)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toAccountResponse(a))
	return nil
}

type postEntryRequest struct {
	Amount    *domain.Amount `json:"amount"`
	Kind      *string        `json:"kind"`
	Reference *string        `json:"reference"`
}

type entryResponse struct {
	ID        string        `json:"id"`
	IDNumber  string        `json:"id_number"`
	Amount    domain.Amount `json:"amount"`
	Kind      string        `json:"kind"`
	Reference string        `json:"reference"`
	At        time.Time     `json:"at"`
	Balance   domain.Amount `json:"balance"`
}

// postAccountEntry handles POST /v1/persons/{id_number}/account/entries: a
// contribution or adjustment from the core system, idempotent on its
// reference.
func (s *server) postAccountEntry(c *gin.Context) error {
	id, err := s.pathIDNumber(c)
	if err != nil {
		return err
	}
	var req postEntryRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := requireFields(field{"amount", req.Amount != nil}, field{"kind", req.Kind != nil}, field{"reference", req.Reference != nil}); err != nil {
		return err
	}
	kind, err := domain.ParseSyncEntryKind(*req.Kind)
	if err != nil {
		return err
	}
	if err := domain.ValidateSyncEntry(kind, *req.Amount); err != nil {
		return err
	}
	if err := domain.ValidateReference(*req.Reference); err != nil {
		return err
	}
	e, err := s.store.Post(c, db.Posting{
		Account: id, Amount: *req.Amount, Kind: kind, Reference: *req.Reference,
		BusinessKey: "sync:" + string(id) + ":" + *req.Reference,
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, entryResponse{
		ID: formatID(e.ID), IDNumber: string(e.Account), Amount: e.Amount, Kind: string(e.Kind),
		Reference: e.Reference, At: e.At.In(domain.Beijing), Balance: e.BalanceAfter,
	})
	return nil
}
