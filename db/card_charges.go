package db

import (
	"context"

	"gongji/domain"
)

// CardCharge is a charge the built-in card gateway booked. A voided key (a
// reversal that came before any charge) has no token and a zero amount.
type CardCharge struct {
	Key    string        `db:"charge_key"`
	Token  string        `db:"card_token"`
	Amount domain.Amount `db:"amount"`
	Status string        `db:"status"`
}

// BookCardCharge stores a charge once per key and returns the charge as
// stored (a repeat returns the first one, and a key voided by an earlier
// reversal stays voided).
func (s *Store) BookCardCharge(ctx context.Context, c CardCharge) (CardCharge, error) {
	const q = `INSERT INTO card_charges (charge_key, card_token, amount, status) VALUES ($1, $2, $3, $4)
		ON CONFLICT (charge_key) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, c.Key, c.Token, c.Amount, c.Status); err != nil {
		return CardCharge{}, err
	}
	var out CardCharge
	err := s.db.GetContext(ctx, &out, `SELECT charge_key, COALESCE(card_token, '') AS card_token, COALESCE(amount, 0) AS amount, status FROM card_charges WHERE charge_key = $1`, c.Key)
	return out, err
}

// SetCardChargeStatus moves a captured charge to reversed or refunded; it
// does nothing for an unknown key or one already moved.
func (s *Store) SetCardChargeStatus(ctx context.Context, key, status string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE card_charges SET status = $2, updated_at = now() WHERE charge_key = $1 AND status = 'captured'`, key, status)
	return err
}

// ReverseCardCharge undoes the charge booked under key (冲正) and reports
// the key's status afterwards. A captured charge becomes reversed; a key
// with no charge is recorded as voided, so that a charge arriving after its
// reversal is refused instead of captured; any other charge is left as it
// is. Repeating it changes nothing.
func (s *Store) ReverseCardCharge(ctx context.Context, key string) (status string, err error) {
	const q = `
		INSERT INTO card_charges (charge_key, status) VALUES ($1, 'voided')
		ON CONFLICT (charge_key) DO UPDATE SET status = 'reversed', updated_at = now()
			WHERE card_charges.status = 'captured'`
	if _, err := s.db.ExecContext(ctx, q, key); err != nil {
		return "", err
	}
	err = s.db.GetContext(ctx, &status, `SELECT status FROM card_charges WHERE charge_key = $1`, key)
	return status, err
}
