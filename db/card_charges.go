package db

import (
	"context"

	"gongji/domain"
)

// CardCharge is a charge the built-in card gateway booked.
type CardCharge struct {
	Key    string        `db:"charge_key"`
	Token  string        `db:"card_token"`
	Amount domain.Amount `db:"amount"`
	Status string        `db:"status"`
}

// BookCardCharge stores a charge once per key and returns the charge as
// stored (a repeat returns the first one).
func (s *Store) BookCardCharge(ctx context.Context, c CardCharge) (CardCharge, error) {
	const q = `INSERT INTO card_charges (charge_key, card_token, amount, status) VALUES ($1, $2, $3, $4)
		ON CONFLICT (charge_key) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, c.Key, c.Token, c.Amount, c.Status); err != nil {
		return CardCharge{}, err
	}
	var out CardCharge
	err := s.db.GetContext(ctx, &out, `SELECT charge_key, card_token, amount, status FROM card_charges WHERE charge_key = $1`, c.Key)
	return out, err
}

// SetCardChargeStatus moves a captured charge to reversed or refunded; it
// does nothing for an unknown key or one already moved.
func (s *Store) SetCardChargeStatus(ctx context.Context, key, status string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE card_charges SET status = $2, updated_at = now() WHERE charge_key = $1 AND status = 'captured'`, key, status)
	return err
}
