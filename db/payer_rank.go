package db

import (
	"database/sql"
	"time"

	"gongji/domain"
)

// payerRankColumns are payerRankRow's columns over bindings b and the
// beneficiary's priorities p; a query about one settlement adds its payers
// sp's `sp.position AS paid_position`. The stores read them and sort with
// domain.SortPayers, the one place the payer order is written: no query
// orders payers itself.
const payerRankColumns = `p.position AS named_position, b.requested_at`

// payerRankRow is what places a binding in the payer order, as read
// (PaidPosition stays NULL when no settlement is asked about).
type payerRankRow struct {
	PaidPosition  sql.NullInt64 `db:"paid_position"`
	NamedPosition sql.NullInt64 `db:"named_position"`
	RequestedAt   time.Time     `db:"requested_at"`
}

func (r payerRankRow) rank(bindingID string) domain.PayerRank {
	return domain.PayerRank{
		BindingID: bindingID,
		Paid:      r.PaidPosition.Valid, PaidPosition: int(r.PaidPosition.Int64),
		Named: r.NamedPosition.Valid, NamedPosition: int(r.NamedPosition.Int64),
		RequestedAt: r.RequestedAt,
	}
}
