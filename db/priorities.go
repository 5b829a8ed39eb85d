package db

import (
	"context"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/domain"
)

func liveStatuses() pq.StringArray {
	live := make([]string, len(domain.LiveBindingStatuses))
	for i, st := range domain.LiveBindingStatuses {
		live[i] = string(st)
	}
	return pq.StringArray(live)
}

// PayerOrder is the order in which a beneficiary's bindings live on the
// day today pay: the bindings named by the last change (PUT
// /v1/me/priority or /v1/family/{id}/priority) in their order, then the
// others, oldest request first (domain.ComparePayers). ActiveBindingsFor
// settles in the same order.
func (s *Store) PayerOrder(ctx context.Context, beneficiary domain.IDNumber, today domain.Date) ([]string, error) {
	return payerOrder(ctx, s.db, beneficiary, today)
}

// rankedBinding is a binding id with what places it in the payer order.
type rankedBinding struct {
	ID string `db:"id"`
	payerRankRow
}

func payerOrder(ctx context.Context, q sqlx.QueryerContext, beneficiary domain.IDNumber, today domain.Date) ([]string, error) {
	query := `
		SELECT b.id, ` + payerRankColumns + ` FROM bindings b
		LEFT JOIN beneficiary_priorities p ON p.binding_id = b.id
		WHERE b.beneficiary_id_number = $1 AND ` + liveOn("$3", "$2")
	var rows []rankedBinding
	if err := sqlx.SelectContext(ctx, q, &rows, query, beneficiary, liveStatuses(), today); err != nil {
		return nil, err
	}
	domain.SortPayers(rows, func(r rankedBinding) domain.PayerRank { return r.rank(r.ID) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out, nil
}

// HoldsLiveBinding reports whether holder has a binding to beneficiary
// that is live on the day today.
func (s *Store) HoldsLiveBinding(ctx context.Context, holder, beneficiary domain.IDNumber, today domain.Date) (bool, error) {
	return holdsLiveBinding(ctx, s.db, holder, beneficiary, today)
}

func holdsLiveBinding(ctx context.Context, q sqlx.QueryerContext, holder, beneficiary domain.IDNumber, today domain.Date) (bool, error) {
	query := `SELECT EXISTS (SELECT 1 FROM bindings b
		WHERE b.holder_id_number = $1 AND b.beneficiary_id_number = $2 AND ` + liveOn("$4", "$3") + `)`
	var held bool
	err := sqlx.GetContext(ctx, q, &held, query, holder, beneficiary, liveStatuses(), today)
	return held, err
}

// PayerOrderChange is a new payer order for a beneficiary, by whom and
// when.
type PayerOrderChange struct {
	Beneficiary domain.IDNumber
	BindingIDs  []string
	// Holder, when set, is the parent who sets a minor's order: they must
	// hold a binding to the beneficiary live on the day of At, else
	// FORBIDDEN. Empty when the beneficiary sets their own.
	Holder domain.IDNumber
	// By is who asked, role:subject; recorded with the change.
	By string
	At time.Time
}

// SetPayerOrder replaces the beneficiary's order of payer bindings with
// the given ones, records the change with who made it and when
// (priority_changes), and returns the order now in force (see PayerOrder).
// Each id must be one of the beneficiary's bindings live on the day of
// c.At, else PRIORITY_BINDING_NOT_YOURS naming the first that is not
// (nothing is changed); the caller refuses duplicates. An empty list
// clears the order: oldest first.
func (s *Store) SetPayerOrder(ctx context.Context, c PayerOrderChange) ([]string, error) {
	today := domain.DateOf(c.At)
	var out []string
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// One change at a time per beneficiary. Not the person row: a debit
		// locks the binding, then the beneficiary's person row, while this
		// writes rows that reference the bindings; locking the person first
		// here would deadlock with it.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('payer-order:' || $1, 0))`, c.Beneficiary); err != nil {
			return err
		}
		if c.Holder != "" {
			held, err := holdsLiveBinding(ctx, tx, c.Holder, c.Beneficiary, today)
			if err != nil {
				return err
			}
			if !held {
				return NoLiveBindingError()
			}
		}
		var mine []string
		if err := tx.SelectContext(ctx, &mine, `SELECT b.id FROM bindings b
			WHERE b.id = ANY($1) AND b.beneficiary_id_number = $2 AND `+liveOn("$4", "$3"),
			pq.StringArray(c.BindingIDs), c.Beneficiary, liveStatuses(), today); err != nil {
			return err
		}
		for _, id := range c.BindingIDs {
			if !slices.Contains(mine, id) {
				return domain.Errorf(domain.CodePriorityBindingNotYours,
					"binding %s is not one of the beneficiary's live bindings", clip(id, 64)).
					WithDetails(map[string]any{"binding_id": clip(id, 64)})
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM beneficiary_priorities WHERE beneficiary_id_number = $1`, c.Beneficiary); err != nil {
			return err
		}
		if len(c.BindingIDs) > 0 {
			const insert = `
				INSERT INTO beneficiary_priorities (binding_id, beneficiary_id_number, position)
				SELECT id, $2, (n - 1)::int FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`
			if _, err := tx.ExecContext(ctx, insert, pq.StringArray(c.BindingIDs), c.Beneficiary); err != nil {
				return err
			}
		}
		const record = `INSERT INTO priority_changes (beneficiary_id_number, binding_ids, by_actor, at) VALUES ($1, $2, $3, $4)`
		if _, err := tx.ExecContext(ctx, record, c.Beneficiary, pq.StringArray(c.BindingIDs), c.By, c.At); err != nil {
			return err
		}
		var err error
		out, err = payerOrder(ctx, tx, c.Beneficiary, today)
		return err
	})
	return out, err
}

// NoLiveBindingError refuses a holder who has no live binding to the
// beneficiary whose payer order they would read or set.
func NoLiveBindingError() error {
	return domain.Errorf(domain.CodeForbidden, "only a holder with a live binding to this family member may see or set their payer order")
}

// PriorityChange is one recorded change of a payer order.
type PriorityChange struct {
	Beneficiary domain.IDNumber `db:"beneficiary_id_number"`
	BindingIDs  pq.StringArray  `db:"binding_ids"`
	By          string          `db:"by_actor"`
	At          time.Time       `db:"at"`
}

// PriorityChanges lists the changes of a beneficiary's payer order,
// oldest first.
func (s *Store) PriorityChanges(ctx context.Context, beneficiary domain.IDNumber) ([]PriorityChange, error) {
	var out []PriorityChange
	err := s.db.SelectContext(ctx, &out, `SELECT beneficiary_id_number, binding_ids, by_actor, at
		FROM priority_changes WHERE beneficiary_id_number = $1 ORDER BY id`, beneficiary)
	return out, err
}
