package db

import (
	"context"
	"time"

	"github.com/lib/pq"

	"gongji/domain"
)

// Cursor is a position in a list: the sort time and id of the last item
// already returned.
type Cursor struct {
	At time.Time
	ID string
}

// BindingFilter selects bindings for a list. Exactly one of Holder and
// Beneficiary is set; Status is optional and matches the status on the
// day Today (see statusOn), or the stored status when Today is zero.
type BindingFilter struct {
	Holder      domain.IDNumber
	Beneficiary domain.IDNumber
	Status      domain.BindingStatus
	Today       domain.Date
	After       *Cursor
	Limit       int
	Year        int
}

// ListBindings lists a person's bindings as holder or beneficiary, newest
// request first.
func (s *Store) ListBindings(ctx context.Context, f BindingFilter) ([]domain.Binding, error) {
	column, who := "b.holder_id_number", f.Holder
	if f.Beneficiary != "" {
		column, who = "b.beneficiary_id_number", f.Beneficiary
	}
	q := bindingSelect + ` WHERE ` + column + ` = $2
		AND ($3 = '' OR (b.status = ANY($7) AND ` + statusOn("$8") + ` = $3))
		AND ($4::timestamptz IS NULL OR (b.requested_at, b.id) < ($4, $5))
		ORDER BY b.requested_at DESC, b.id DESC LIMIT $6`
	at, id := cursorArgs(f.After)
	return s.selectBindings(ctx, q, f.Year, who, f.Status, at, id, f.Limit, storedAs(f.Status), f.Today)
}

// ReviewQueue lists bindings that were submitted for review and have the
// given status on the day today (see statusOn), oldest submission first.
func (s *Store) ReviewQueue(ctx context.Context, status domain.BindingStatus, today domain.Date, after *Cursor, limit, year int) ([]domain.Binding, error) {
	q := bindingSelect + ` WHERE b.submitted_at IS NOT NULL AND b.status = ANY($6) AND ` + statusOn("$7") + ` = $2
		AND ($3::timestamptz IS NULL OR (b.submitted_at, b.id) > ($3, $4))
		ORDER BY b.submitted_at, b.id LIMIT $5`
	at, id := cursorArgs(after)
	return s.selectBindings(ctx, q, year, status, at, id, limit, storedAs(status), today)
}

// LiveBindingsOf lists the live bindings naming the person as holder or
// beneficiary.
func (s *Store) LiveBindingsOf(ctx context.Context, person domain.IDNumber, year int) ([]domain.Binding, error) {
	q := bindingSelect + ` WHERE (b.holder_id_number = $2 OR b.beneficiary_id_number = $2) AND b.status = ANY($3)
		ORDER BY b.requested_at, b.id`
	live := make([]string, len(domain.LiveBindingStatuses))
	for i, st := range domain.LiveBindingStatuses {
		live[i] = string(st)
	}
	return s.selectBindings(ctx, q, year, person, pq.StringArray(live))
}

func (s *Store) selectBindings(ctx context.Context, q string, args ...any) ([]domain.Binding, error) {
	var rows []bindingRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]domain.Binding, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

func cursorArgs(c *Cursor) (any, string) {
	if c == nil {
		return nil, ""
	}
	return c.At, c.ID
}
