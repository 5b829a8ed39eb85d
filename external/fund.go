package external

import (
	"context"
	"time"

	"gongji/domain"
)

// FundEngine settles the insurance fund's share of a bill under the
// patient's own insurance (identity settlement) and cancels it.
type FundEngine interface {
	Settle(ctx context.Context, c domain.FundClaim) (domain.Amount, error)
	Cancel(ctx context.Context, settlementID string, at time.Time) error
}

// Operation names of the fund engine, for Faults.
const (
	OpFundSettle = "fund.settle"
	OpFundCancel = "fund.cancel"
)
