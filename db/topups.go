package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Topup is what was collected at the counter for a settlement.
type Topup struct {
	SettlementID string        `db:"settlement_id"`
	Method       string        `db:"method"`
	Amount       domain.Amount `db:"amount"`
	ReceiptNo    string        `db:"receipt_no"`
	ChargeID     string        `db:"charge_id"`
	Refunded     bool          `db:"refunded"`
}

// RecordTopup books the top-up of a settlement once: a repeat returns
// without change.
func (s *Store) RecordTopup(ctx context.Context, t Topup, at time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO topups (settlement_id, method, amount, receipt_no, charge_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (settlement_id) DO NOTHING`
		res, err := tx.ExecContext(ctx, q, t.SettlementID, t.Method, t.Amount, t.ReceiptNo, t.ChargeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var refunded bool
			if err := tx.GetContext(ctx, &refunded, `SELECT refunded_at IS NOT NULL FROM topups WHERE settlement_id = $1`, t.SettlementID); err != nil {
				return err
			}
			if refunded {
				return errStepUndone(t.SettlementID)
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET topup_pay = $2, topup_due = 0, updated_at = now() WHERE id = $1`, t.SettlementID, t.Amount); err != nil {
			return err
		}
		detail := t.Method
		if t.ReceiptNo != "" {
			detail += " receipt " + t.ReceiptNo
		}
		return addStep(ctx, tx, t.SettlementID, t.SettlementID+":topup", "topup", "collected", detail, &t.Amount, at)
	})
}

// TopupOf reads a settlement's top-up; ok is false when none was booked.
func (s *Store) TopupOf(ctx context.Context, settlementID string) (Topup, bool, error) {
	var t Topup
	err := s.db.GetContext(ctx, &t, `SELECT settlement_id, method, amount, receipt_no, charge_id, refunded_at IS NOT NULL AS refunded
		FROM topups WHERE settlement_id = $1`, settlementID)
	if isNoRows(err) {
		return Topup{}, false, nil
	}
	return t, err == nil, err
}

// MarkTopupRefunded records, once, that the top-up was paid back.
func (s *Store) MarkTopupRefunded(ctx context.Context, settlementID string, at time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var amount domain.Amount
		err := tx.GetContext(ctx, &amount, `UPDATE topups SET refunded_at = $2 WHERE settlement_id = $1 AND refunded_at IS NULL RETURNING amount`, settlementID, at)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return addStep(ctx, tx, settlementID, settlementID+":topup-refund", "topup", "refunded", "", &amount, at)
	})
}
