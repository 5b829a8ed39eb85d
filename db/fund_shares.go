package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// fundStepKey and fundCancelStepKey are the steps of the fund's share of
// a settlement, booked and cancelled.
func fundStepKey(settlementID string) string       { return settlementID + ":fund" }
func fundCancelStepKey(settlementID string) string { return settlementID + ":fund-cancel" }

// RecordFundShare writes the share the fund engine paid for the claim to
// the settlement and its steps. It is idempotent; once the share was
// cancelled it is SETTLEMENT_ALREADY_REVERSED and changes nothing.
func (s *Store) RecordFundShare(ctx context.Context, c domain.FundClaim, fundPay domain.Amount) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockSettlement(ctx, tx, c.SettlementID); err != nil {
			return err
		}
		cancelled, err := stepExists(ctx, tx, fundCancelStepKey(c.SettlementID))
		if err != nil {
			return err
		}
		if cancelled {
			return errStepUndone(c.SettlementID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET fund_pay = $2, updated_at = now() WHERE id = $1`, c.SettlementID, fundPay); err != nil {
			return err
		}
		return addStep(ctx, tx, c.SettlementID, fundStepKey(c.SettlementID), "fund", "paid",
			string(c.Insutype)+" "+string(c.MedicalType)+" (med_type "+c.MedicalType.MedTypeCode()+")", &fundPay, c.At)
	})
}

// RecordFundCancel records that the fund engine cancelled the settlement's
// share, with the amount booked; it does nothing when no share was booked
// and is idempotent.
func (s *Store) RecordFundCancel(ctx context.Context, settlementID string, at time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockSettlement(ctx, tx, settlementID); err != nil {
			return err
		}
		var booked []domain.Amount
		if err := tx.SelectContext(ctx, &booked, `SELECT amount FROM settlement_steps WHERE step_key = $1`, fundStepKey(settlementID)); err != nil {
			return err
		}
		if len(booked) == 0 {
			return nil
		}
		return addStep(ctx, tx, settlementID, fundCancelStepKey(settlementID), "fund", "cancelled", "", &booked[0], at)
	})
}

func lockSettlement(ctx context.Context, tx *sqlx.Tx, settlementID string) error {
	_, err := tx.ExecContext(ctx, `SELECT 1 FROM settlements WHERE id = $1 FOR UPDATE`, settlementID)
	return err
}

func stepExists(ctx context.Context, tx *sqlx.Tx, key string) (bool, error) {
	var exists bool
	err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM settlement_steps WHERE step_key = $1)`, key)
	return exists, err
}
