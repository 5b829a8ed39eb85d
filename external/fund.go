package external

import (
	"context"
	"time"

	"gongji/db"
	"gongji/domain"
)

// FundEngine settles the insurance fund's share of a bill under the
// patient's own insurance (identity settlement) and cancels it.
type FundEngine interface {
	Settle(ctx context.Context, c domain.FundClaim) (domain.Amount, error)
	Cancel(ctx context.Context, settlementID string, at time.Time) error
}

// Operation names for BuiltinFund faults.
const (
	OpFundSettle = "fund.settle"
	OpFundCancel = "fund.cancel"
)

// BuiltinFund is the offline fund engine: it applies the illustrative
// policy in fund_policies (deductible, ratio, yearly cap per insutype and
// medical type) and tracks each patient's yearly usage in PostgreSQL.
type BuiltinFund struct {
	Store  *db.Store
	Faults *Faults
}

// Settle books the fund's share, idempotent on the settlement id.
func (f BuiltinFund) Settle(ctx context.Context, c domain.FundClaim) (domain.Amount, error) {
	if err := f.Faults.Check(OpFundSettle); err != nil {
		return domain.Amount{}, err
	}
	return f.Store.SettleFund(ctx, c)
}

// Cancel reverses the fund's share, idempotent and safe when none was
// booked.
func (f BuiltinFund) Cancel(ctx context.Context, settlementID string, at time.Time) error {
	if err := f.Faults.Check(OpFundCancel); err != nil {
		return err
	}
	return f.Store.CancelFund(ctx, settlementID, at)
}
