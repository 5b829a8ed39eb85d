package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

type accountRow struct {
	IDNumber       string        `db:"id_number"`
	OpeningBalance domain.Amount `db:"opening_balance"`
	Balance        domain.Amount `db:"balance"`
	Status         string        `db:"status"`
}

func (r accountRow) toDomain() domain.Account {
	return domain.Account{
		IDNumber:       domain.IDNumber(r.IDNumber),
		OpeningBalance: r.OpeningBalance,
		Balance:        r.Balance,
		Status:         domain.AccountStatus(r.Status),
	}
}

// PutAccount opens a personal account with its opening balance, or, for an
// account that exists, changes its status. The balance of an existing
// account only moves through ledger entries, so a PUT whose balance differs
// from the current one is ACCOUNT_BALANCE_CONFLICT.
func (s *Store) PutAccount(ctx context.Context, id domain.IDNumber, balance domain.Amount, status domain.AccountStatus) (domain.Account, error) {
	var out domain.Account
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := getPerson(ctx, tx, id, true); err != nil {
			return err
		}
		current, found, err := getAccount(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !found {
			out, err = openAccount(ctx, tx, id, balance, status)
			return err
		}
		if !current.Balance.Equal(balance.Decimal) {
			return domain.Errorf(domain.CodeAccountBalanceConflict,
				"the account is open and its balance is %s; post a ledger entry to change it", current.Balance).
				WithDetails(map[string]any{"balance": current.Balance.String()})
		}
		const q = `UPDATE accounts SET status = $2, updated_at = now() WHERE id_number = $1`
		if _, err := tx.ExecContext(ctx, q, id, status); err != nil {
			return err
		}
		current.Status = status
		out = current
		return nil
	})
	return out, err
}

func openAccount(ctx context.Context, tx *sqlx.Tx, id domain.IDNumber, balance domain.Amount, status domain.AccountStatus) (domain.Account, error) {
	enrolment, ok, err := getEnrolment(ctx, tx, id)
	if err != nil {
		return domain.Account{}, err
	}
	if !ok || !enrolment.HasPersonalAccount() {
		return domain.Account{}, domain.Errorf(domain.CodeNoPersonalAccount,
			"only a person enrolled in employee insurance (310) has a personal account")
	}
	const q = `
		INSERT INTO accounts (id_number, opening_balance, balance, status) VALUES ($1, $2, $2, $3)
		RETURNING id_number, opening_balance, balance, status`
	var row accountRow
	if err := tx.GetContext(ctx, &row, q, id, balance, status); err != nil {
		return domain.Account{}, err
	}
	return row.toDomain(), nil
}

// Account reads a personal account; ACCOUNT_NOT_FOUND when there is none.
func (s *Store) Account(ctx context.Context, id domain.IDNumber) (domain.Account, error) {
	a, found, err := getAccount(ctx, s.db, id, false)
	if err != nil {
		return domain.Account{}, err
	}
	if !found {
		return domain.Account{}, domain.Errorf(domain.CodeAccountNotFound, "the person has no personal account")
	}
	return a, nil
}

func getAccount(ctx context.Context, q sqlx.QueryerContext, id domain.IDNumber, forUpdate bool) (domain.Account, bool, error) {
	query := `SELECT id_number, opening_balance, balance, status FROM accounts WHERE id_number = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var row accountRow
	if err := sqlx.GetContext(ctx, q, &row, query, id); err != nil {
		if isNoRows(err) {
			return domain.Account{}, false, nil
		}
		return domain.Account{}, false, err
	}
	return row.toDomain(), true, nil
}
