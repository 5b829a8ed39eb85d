package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Posting is one money movement to write to the ledger. BusinessKey makes it
// idempotent: posting the same key again returns the entry already written.
type Posting struct {
	Account      domain.IDNumber
	Amount       domain.Amount
	Kind         domain.EntryKind
	BusinessKey  string
	Reference    string
	SettlementID string
	BindingID    string
	Beneficiary  domain.IDNumber
	Institution  domain.InstitutionCode
}

// Entry is a ledger entry as written, with the account balance after it.
type Entry struct {
	ID           int64
	Account      domain.IDNumber
	Amount       domain.Amount
	Kind         domain.EntryKind
	BusinessKey  string
	Reference    string
	SettlementID string
	BindingID    string
	Beneficiary  domain.IDNumber
	Institution  domain.InstitutionCode
	At           time.Time
	// BalanceAfter is the account balance once this posting call returned.
	BalanceAfter domain.Amount
}

type entryRow struct {
	ID           int64          `db:"id"`
	Account      string         `db:"account_id_number"`
	Amount       domain.Amount  `db:"amount"`
	Kind         string         `db:"kind"`
	BusinessKey  string         `db:"business_key"`
	Reference    string         `db:"reference"`
	SettlementID sql.NullString `db:"settlement_id"`
	BindingID    sql.NullString `db:"binding_id"`
	Beneficiary  sql.NullString `db:"beneficiary_id_number"`
	Institution  sql.NullString `db:"institution_code"`
	At           time.Time      `db:"created_at"`
}

func (r entryRow) toEntry() Entry {
	return Entry{
		ID: r.ID, Account: domain.IDNumber(r.Account), Amount: r.Amount, Kind: domain.EntryKind(r.Kind),
		BusinessKey: r.BusinessKey, Reference: r.Reference, SettlementID: r.SettlementID.String,
		BindingID: r.BindingID.String, Beneficiary: domain.IDNumber(r.Beneficiary.String),
		Institution: domain.InstitutionCode(r.Institution.String), At: r.At,
	}
}

// maxBalance is the largest balance the NUMERIC(14,2) columns hold.
var maxBalance = domain.MustAmount("999999999999.99")

const entryColumns = `id, account_id_number, amount, kind, business_key, reference, settlement_id,
	binding_id, beneficiary_id_number, institution_code, created_at`

// Post writes a posting in its own transaction. See PostInTx.
func (s *Store) Post(ctx context.Context, p Posting) (Entry, error) {
	var out Entry
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = PostInTx(ctx, tx, p)
		return err
	})
	return out, err
}

// PostInTx writes a posting inside tx. It locks the account row, so
// concurrent postings to one account run one after another; a debit that
// would take the balance below zero is INSUFFICIENT_BALANCE and writes
// nothing. A posting whose business key is already in the ledger returns the
// existing entry if it is the same movement, and ENTRY_REFERENCE_CONFLICT if
// it is not.
func PostInTx(ctx context.Context, tx *sqlx.Tx, p Posting) (Entry, error) {
	account, found, err := getAccount(ctx, tx, p.Account, true)
	if err != nil {
		return Entry{}, err
	}
	if !found {
		return Entry{}, domain.Errorf(domain.CodeAccountNotFound, "the person has no personal account")
	}
	if existing, ok, err := entryByKey(ctx, tx, p.BusinessKey); err != nil {
		return Entry{}, err
	} else if ok {
		if existing.Account != p.Account || !existing.Amount.Equal(p.Amount.Decimal) || existing.Kind != p.Kind {
			return Entry{}, domain.Errorf(domain.CodeEntryReferenceConflict,
				"reference %q was already used for another movement", p.Reference)
		}
		existing.BalanceAfter = account.Balance
		return existing, nil
	}
	after := account.Balance.Add(p.Amount)
	if after.IsNegative() {
		return Entry{}, domain.Errorf(domain.CodeInsufficientBalance, "the balance %s does not cover %s", account.Balance, p.Amount.Neg()).
			WithDetails(map[string]any{"balance": account.Balance.String()})
	}
	if after.GreaterThan(maxBalance.Decimal) {
		// NUMERIC(14,2) would overflow: refuse it rather than fail in SQL.
		return Entry{}, domain.Errorf(domain.CodeInvalidAmount, "the balance %s plus %s would exceed the largest balance %s",
			account.Balance, p.Amount, maxBalance).WithDetails(map[string]any{"balance": account.Balance.String()})
	}
	const insert = `
		INSERT INTO ledger_entries (account_id_number, amount, kind, business_key, reference, settlement_id,
			binding_id, beneficiary_id_number, institution_code)
		VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''), NULLIF($9, ''))
		RETURNING ` + entryColumns
	var row entryRow
	if err := tx.GetContext(ctx, &row, insert, p.Account, p.Amount, p.Kind, p.BusinessKey, p.Reference,
		p.SettlementID, p.BindingID, p.Beneficiary, p.Institution); err != nil {
		return Entry{}, err
	}
	const update = `UPDATE accounts SET balance = balance + $2, updated_at = now() WHERE id_number = $1`
	if _, err := tx.ExecContext(ctx, update, p.Account, p.Amount); err != nil {
		return Entry{}, err
	}
	entry := row.toEntry()
	entry.BalanceAfter = after
	return entry, nil
}

func entryByKey(ctx context.Context, q sqlx.QueryerContext, key string) (Entry, bool, error) {
	var row entryRow
	err := sqlx.GetContext(ctx, q, &row, `SELECT `+entryColumns+` FROM ledger_entries WHERE business_key = $1`, key)
	if isNoRows(err) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	return row.toEntry(), true, nil
}

// LedgerMismatch is an account whose cached balance differs from its
// opening balance plus the sum of its entries.
type LedgerMismatch struct {
	Account  domain.IDNumber `db:"id_number"`
	Balance  domain.Amount   `db:"balance"`
	Expected domain.Amount   `db:"expected"`
}

// LedgerMismatches lists every account that breaks balance = opening +
// sum(entries). An empty list means money is conserved.
func (s *Store) LedgerMismatches(ctx context.Context) ([]LedgerMismatch, error) {
	const q = `
		SELECT a.id_number, a.balance, a.opening_balance + COALESCE(SUM(e.amount), 0) AS expected
		FROM accounts a LEFT JOIN ledger_entries e ON e.account_id_number = a.id_number
		GROUP BY a.id_number, a.balance, a.opening_balance
		HAVING a.balance <> a.opening_balance + COALESCE(SUM(e.amount), 0)`
	var out []LedgerMismatch
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, err
	}
	return out, nil
}
