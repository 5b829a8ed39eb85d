package db

import (
	"context"
	"database/sql"
	"math"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Statement reads a personal account and a page of its ledger entries,
// newest first, after the entry with id beforeID (0: from the newest), from
// one snapshot so that the balance and the entries agree. ACCOUNT_NOT_FOUND
// when the person has no account.
func (s *Store) Statement(ctx context.Context, account domain.IDNumber, beforeID int64, limit int) (domain.Account, []Entry, error) {
	var (
		a       domain.Account
		entries []Entry
	)
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return a, nil, err
	}
	defer func() { _ = tx.Rollback() }()
	a, found, err := getAccount(ctx, tx, account, false)
	if err != nil {
		return a, nil, err
	}
	if !found {
		return a, nil, domain.Errorf(domain.CodeAccountNotFound, "the person has no personal account")
	}
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	// Keyset pagination on the index ledger_entries_account_newest
	// (account_id_number, id DESC).
	const q = `SELECT ` + entryColumns + ` FROM ledger_entries
		WHERE account_id_number = $1 AND id < $2 ORDER BY id DESC LIMIT $3`
	var rows []entryRow
	if err := sqlx.SelectContext(ctx, tx, &rows, q, account, beforeID, limit); err != nil {
		return a, nil, err
	}
	entries = make([]Entry, len(rows))
	for i, r := range rows {
		entries[i] = r.toEntry()
	}
	return a, entries, tx.Commit()
}
